"""Perplexity from a total negative log-likelihood, as NNLM and ELMo report it."""

import math

__all__ = ["perplexity_from_nll"]


def perplexity_from_nll(total_nll, count):
    """``exp(total_nll / count)``, guarding against overflow.

    Example:
    >>> round(perplexity_from_nll(math.log(10) * 4, 4), 6)
    10.0
    """
    if count == 0:
        raise ValueError("no tokens to compute a perplexity over.")
    mean = total_nll / count
    return float(math.exp(mean)) if mean < 700 else float("inf")
