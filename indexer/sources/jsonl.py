"""JSON Lines: one post a line, the fields of a post file plus ``body``.

This is the format of ``../shared/corpora/whitepaper/posts.jsonl``. ``date`` is a string
``YYYY-MM-DD``; ``url`` may be null (the post then gets the placeholder address, see
docs/corpus.md); ``tags`` is optional. Blank lines are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from ..postfile import FRONT_MATTER_KEYS, make_post, placeholder_url
from ..problems import FieldError
from .model import ImportOptions, SourcePost, SourceResult

RECORD_KEYS = FRONT_MATTER_KEYS + ("body",)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_jsonl(path: Path, options: ImportOptions) -> SourceResult:
    result = SourceResult()
    name = str(path)
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                result.reject(name, lineno, "the line is not UTF-8")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                result.reject(name, lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(record, dict):
                result.reject(name, lineno, 'a line must be a JSON object {"id": …, "title": …}')
                continue
            try:
                post = make_post(_fields(record), record.get("body"), RECORD_KEYS)
            except FieldError as exc:
                result.reject(name, lineno, exc.reason)
                continue
            result.posts.append(SourcePost(post, name, lineno))
    return result


def _fields(record: dict) -> dict:
    fields = {k: v for k, v in record.items() if k != "body"}
    if "body" not in record:
        raise FieldError("body", "missing field 'body'")
    date = fields.get("date")
    if isinstance(date, str):
        if not _DATE.fullmatch(date):
            raise FieldError("date", f"date must be a string YYYY-MM-DD, got {date!r}")
        try:
            fields["date"] = dt.date.fromisoformat(date)
        except ValueError:
            raise FieldError("date", f"date {date!r} is not a calendar date") from None
    elif "date" in fields:
        raise FieldError("date", f"date must be a string YYYY-MM-DD, got {date!r}")
    if "url" in fields and fields["url"] is None and isinstance(fields.get("id"), str):
        fields["url"] = placeholder_url(fields["id"])
    return fields
