"""Griffe extension for the API reference: two docstring forms the Google parser does not know.

- Keras's ``Call arguments:`` section (the arguments of a layer's ``call``), written like
  ``Args:``. The parser knows no such section and renders it as an admonition whose entries run
  together in one paragraph; this extension renames its header to
  ``Other Parameters: Call arguments:``, a section of named arguments titled "Call arguments:".
- reST's literal-block marker: a paragraph ending in ``::`` before an indented block. The
  indented block is already code in Markdown, so the marker becomes a plain colon
  (``state::`` -> ``state:``) and a ``::`` alone on its line is dropped.

The source files are not changed. mkdocs.yml loads this file; it is excluded from the built site.
"""

import re

import griffe

_CALL_ARGUMENTS = re.compile(r"^Call arguments:\s*$")
_LITERAL_MARKER = re.compile(r"::\s*$")


def _next_text_line(lines, index):
    """The first non-blank line after ``lines[index]``, or "" at the end."""
    for line in lines[index + 1 :]:
        if line.strip():
            return line
    return ""


def rewrite_sections(text):
    """Return ``text`` with ``Call arguments:`` made a named section and ``::`` markers made colons.

    Example:
        >>> rewrite_sections("Call arguments:\\n    x: a tensor.")
        'Other Parameters: Call arguments:\\n    x: a tensor.'
        >>> rewrite_sections("One step::\\n\\n    z = x @ w")
        'One step:\\n\\n    z = x @ w'
    """
    lines = text.split("\n")
    out = []
    for index, line in enumerate(lines):
        if _CALL_ARGUMENTS.match(line):
            out.append("Other Parameters: Call arguments:")
            continue
        following = _next_text_line(lines, index)
        if _LITERAL_MARKER.search(line) and following.startswith((" ", "\t")) and not line.lstrip().startswith(">>>"):
            if line.strip() == "::":
                continue
            line = _LITERAL_MARKER.sub(":", line)
        out.append(line)
    return "\n".join(out)


class DocstringSections(griffe.Extension):
    """Rewrite ``Call arguments:`` sections and ``::`` literal-block markers before parsing."""

    def on_instance(self, *, node, obj, agent, **kwargs):
        if obj.docstring is not None and ("Call arguments:" in obj.docstring.value or "::" in obj.docstring.value):
            obj.docstring.value = rewrite_sections(obj.docstring.value)
