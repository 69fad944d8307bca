"""Small facts about text that analysis, query parsing and snippets share."""

from __future__ import annotations

import re

#: Characters that end a sentence: where long text is cut for Sudachi, and where a snippet
#: starts and stops.
SENTENCE_ENDS = "。！？!?\n"
SENTENCE_END = re.compile(f"[{SENTENCE_ENDS}]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (which cannot be encoded, so cannot cross into Sudachi
    or out as UTF-8) replaced by U+FFFD; one character for one, so offsets stay true."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
