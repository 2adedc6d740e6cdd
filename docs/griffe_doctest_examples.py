"""Griffe extension for the API reference: render the docstrings' doctest examples as code.

The docstrings of gensim_elmo and keras_layers write their examples the way doctest reads them,
with the ``>>>`` lines flush under an ``Example:`` header::

    Example:
    >>> len("abc")
    3

The Google docstring parser only reads a section whose body is indented, so it would render these
lines as Markdown (nested block quotes, and ``[...]`` taken for links). This extension indents such
an example block under its header (spelt ``Examples:``, the parser's name for a section of code
examples) before the docstring is parsed, so it becomes a proper Examples section with highlighted
code; a doctest block with no header around it is fenced as ``pycon``.
The source files are not changed (doctest runs them as they are). mkdocs.yml loads this file; it
is excluded from the built site.
"""

import re

import griffe

_HEADER = re.compile(r"^(Examples?):\s*$")


def _is_doctest(line):
    return line.startswith(">>>")


def _block_end(lines, start):
    """End (exclusive) of the doctest block starting at ``lines[start]``.

    The block runs over non-blank lines (prompts, continuations and expected output) and over blank
    lines that are followed by another ``>>>`` line.
    """
    index = start
    while index < len(lines):
        if lines[index].strip():
            index += 1
            continue
        following = index
        while following < len(lines) and not lines[following].strip():
            following += 1
        if following < len(lines) and _is_doctest(lines[following]):
            index = following
            continue
        break
    return index


def indent_examples(text):
    """Return ``text`` with flush-left doctest examples indented under their header (or fenced).

    Example:
        >>> indent_examples("Example:\\n>>> 1 + 1\\n2\\n\\nMore prose.")
        'Examples:\\n    >>> 1 + 1\\n    2\\n\\nMore prose.'
    """
    lines = text.split("\n")
    out = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _HEADER.match(line):
            first = index + 1
            while first < len(lines) and not lines[first].strip():
                first += 1
            if first < len(lines) and _is_doctest(lines[first]):
                end = _block_end(lines, first)
                out.append("Examples:")  # "Example:" would be an admonition, its body plain Markdown
                out.extend(("    " + body) if body.strip() else "" for body in lines[first:end])
                index = end
                continue
        elif _is_doctest(line):
            end = _block_end(lines, index)
            out.extend(["", "```pycon", *lines[index:end], "```", ""])
            index = end
            continue
        out.append(line)
        index += 1
    return "\n".join(out)


class DoctestExamples(griffe.Extension):
    """Indent flush-left doctest examples so that the Google parser reads them as Examples sections."""

    def on_instance(self, *, node, obj, agent, **kwargs):
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = indent_examples(obj.docstring.value)
