"""The post file format (``docs/corpus.md``): TOML front matter between ``+++`` lines, then the
body.

:func:`make_post` checks the fields of a post wherever they come from (a post file, a JSONL line, a
feed entry), so every source follows the same rules. :func:`parse_post` reads a file's text,
:func:`render_post` writes it; ``parse_post(render_post(p)) == p`` for every valid post.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from typing import TypeGuard

import tomli_w

from search import Post

from .problems import FieldError, InputError

FENCE = "+++"
#: Keys of the front matter, in the order they are written.
FRONT_MATTER_KEYS = ("id", "title", "date", "category", "url", "tags")
REQUIRED_KEYS = ("id", "title", "date", "category", "url")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
#: The url of a post whose source gives no address (a JSONL ``url: null``, a saved page imported
#: without ``--url``). The ``.invalid`` domain is reserved: it never resolves to a real site.
PLACEHOLDER_URL = "https://unknown.invalid/"
_URL = re.compile(r"https?://[^\s]+")
_TOML_POSITION = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


def is_valid_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def placeholder_url(post_id: str) -> str:
    return f"{PLACEHOLDER_URL}{post_id}"


def clean_body(text: str) -> str:
    """Line breaks made ``\\n``, blank lines at both ends dropped: the body as a post file keeps
    it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def make_post(
    fields: Mapping[str, object], body: object, allowed: tuple[str, ...] = FRONT_MATTER_KEYS
) -> Post:
    """A :class:`Post` from checked fields; raises :class:`FieldError` naming the first bad key."""
    for key in fields:
        if key not in allowed:
            raise FieldError(key, f"unknown field {key!r} (allowed: {', '.join(allowed)})")
    for key in REQUIRED_KEYS:
        if key not in fields:
            raise FieldError(None, f"missing field {key!r}")
    post_id = fields["id"]
    if not is_valid_id(post_id):
        raise FieldError(
            "id",
            f"id {post_id!r} must be 1-128 characters of A-Z a-z 0-9 . _ - "
            "starting with a letter or digit",
        )
    date = fields["date"]
    if type(date) is not dt.date:
        raise FieldError("date", f"date must be a date YYYY-MM-DD, got {date!r}")
    url = fields["url"]
    if not isinstance(url, str) or not _URL.fullmatch(url):
        raise FieldError("url", f"url must be an http:// or https:// address, got {url!r}")
    tags = fields.get("tags", [])
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise FieldError("tags", "tags must be a list of strings")
    for tag in tags:
        if not tag.strip() or "," in tag or "\n" in tag:
            raise FieldError("tags", f"tag {tag!r} must be non-empty, on one line, without a comma")
    text: dict[str, str] = {}
    for key in ("title", "category"):
        value = fields[key]
        if not isinstance(value, str) or not value.strip():
            raise FieldError(key, f"{key} must be a non-empty string")
        if "\n" in value or "\r" in value:
            raise FieldError(key, f"{key} must be on one line")
        text[key] = value
    if not isinstance(body, str):
        raise FieldError("body", "body must be a string")
    body = clean_body(body)
    if not body.strip():
        raise FieldError("body", "body is empty")
    return Post(
        id=post_id,
        title=text["title"],
        date=date,
        category=text["category"],
        url=url,
        body=body,
        tags=tuple(tags),
    )


def parse_post(text: str, file: str, expected_id: str | None = None) -> Post:
    """Read a post file's text; errors are :class:`InputError` with the file's line number."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        raise InputError(
            file,
            1,
            f"a post file starts with a line {FENCE} that opens the TOML "
            "front matter (see docs/corpus.md)",
        )
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE)
    except StopIteration:
        raise InputError(
            file, 1, f"the front matter is not closed: add a line {FENCE} after it"
        ) from None
    front = lines[1:close]
    try:
        fields = tomllib.loads("\n".join(front))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_POSITION.search(message)
        reason = message[: m.start()] if m else message
        if m and m.group(1):
            # Line 1 of the TOML is line 2 of the file: the opening fence comes first.
            line, reason = int(m.group(1)) + 1, f"{reason} (column {m.group(2)})"
        else:
            line = max(close, 2)
        raise InputError(file, line, f"front matter: {reason[:1].lower()}{reason[1:]}") from None
    try:
        post = make_post(fields, "\n".join(lines[close + 1 :]))
    except FieldError as exc:
        raise InputError(file, _key_line(front, exc.key), exc.reason) from None
    if expected_id is not None and post.id != expected_id:
        raise InputError(
            file,
            _key_line(front, "id"),
            f"id {post.id!r} differs from the file name {expected_id}.md: "
            "rename the file or fix the id",
        )
    return post


def _key_line(front: list[str], key: str | None) -> int:
    """The file line where ``key`` is set in the front matter (the opening fence if not found)."""
    if key:
        name = re.escape(key)
        pattern = re.compile(rf"\s*(?:{name}|\"{name}\"|'{name}')\s*=")
        for i, line in enumerate(front):
            if pattern.match(line):
                return i + 2
        if key == "body":
            return len(front) + 3  # the first line after the closing fence
    return 1


def render_post(post: Post) -> str:
    """The text of ``post``'s file."""
    front = tomli_w.dumps(
        {
            "id": post.id,
            "title": post.title,
            "date": post.date,
            "category": post.category,
            "url": post.url,
        }
    )
    if post.tags:
        # tomli-w writes every array over several lines; tags stay on one line, as post files
        # have always been written, so that rewriting an unchanged post changes no byte.
        front += f"tags = [{', '.join(toml_value(t) for t in post.tags)}]\n"
    return f"{FENCE}\n{front}{FENCE}\n{post.body}\n"


def toml_value(value: object) -> str:
    """One TOML value as tomli-w writes it (a string: basic, escaped, non-ASCII as it is)."""
    return tomli_w.dumps({"v": value})[len("v = ") : -1]
