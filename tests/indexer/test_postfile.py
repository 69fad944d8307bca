"""The post file format: round trip, and FILE:LINE errors for every way a file can be wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer import load_corpus, parse_post, render_post
from indexer.corpus import read_post
from search import Post

from .conftest import make_post

GOOD = """+++
id = "kaigo-1"
title = "介護保険部会"
date = 2021-04-01
category = "介護"
url = "https://example.jp/kaigo-1"
tags = ["介護保険", "地域包括ケア"]
+++
一段落目。

二段落目。
"""


def test_a_good_file_parses_into_a_post():
    assert parse_post(GOOD, "corpus/kaigo-1.md", "kaigo-1") == Post(
        id="kaigo-1", title="介護保険部会", date=dt.date(2021, 4, 1), category="介護",
        url="https://example.jp/kaigo-1", body="一段落目。\n\n二段落目。",
        tags=("介護保険", "地域包括ケア"))


@pytest.mark.parametrize("post", [
    make_post("plain", "本文。"),
    make_post("tagged", "一行目\n\n二行目", tags=("a", "b c")),
    make_post("quotes", 'He said "ok" \\ C:\\path\t<tab>', title='引用 "題名" \\ です'),
    make_post("control", "本文", title="ベル\x07と削除\x7f"),
    make_post("tab", "本文", title="タブ\tあり", tags=("改行\u2028なし", "引用\"符")),
    make_post("fence-in-body", "前\n+++\n後"),
    make_post("emoji", "𠮷野家 🍜 ８０５０", title="𠮷"),
])
def test_render_then_parse_is_the_same_post(post):
    assert parse_post(render_post(post), f"{post.id}.md", post.id) == post


def test_crlf_and_bom_are_read_like_plain_lines():
    text = "\ufeff" + GOOD.replace("\n", "\r\n")
    assert parse_post(text, "kaigo-1.md", "kaigo-1") == parse_post(GOOD, "kaigo-1.md", "kaigo-1")


def front(*lines: str, body: str = "本文。") -> str:
    return "\n".join(["+++", *lines, "+++", body, ""])


BASE = ['id = "p"', 'title = "題"', "date = 2021-04-01", 'category = "介護"', 'url = "https://example.jp/p"']


def replace(key: str, line: str | None) -> list[str]:
    out = [line if entry.startswith(key + " ") else entry for entry in BASE]
    return [entry for entry in out if entry is not None]


@pytest.mark.parametrize(("text", "expected"), [
    ("id = 'p'\n", "p.md:1: a post file starts with a line +++ that opens the TOML front matter (see docs/corpus.md)"),
    ("+++\nid = 'p'\n", "p.md:1: the front matter is not closed: add a line +++ after it"),
    (front(*BASE[:2], "date = 2021-04-01 x", *BASE[3:]),
     "p.md:4: front matter: expected newline or end of document after a statement (column 19)"),
    (front(*BASE, 'title = "二つ目"'), "p.md:7: front matter: cannot overwrite a value"),
    (front(*BASE, 'author = "誰か"'), "p.md:7: unknown field 'author' (allowed: id, title, date, category, url, tags)"),
    (front(*BASE, 'body = "x"'), "p.md:7: unknown field 'body' (allowed: id, title, date, category, url, tags)"),
    (front(*replace("title", None)), "p.md:1: missing field 'title'"),
    (front(*replace("date", 'date = "2021-04-01"')), "p.md:4: date must be a date YYYY-MM-DD, got '2021-04-01'"),
    (front(*replace("date", "date = 2021-04-01T09:00:00")),
     "p.md:4: date must be a date YYYY-MM-DD, got datetime.datetime(2021, 4, 1, 9, 0)"),
    (front(*replace("title", "title = 3")), "p.md:3: title must be a non-empty string"),
    (front(*replace("title", 'title = "一行目\\n二行目"')), "p.md:3: title must be on one line"),
    (front(*replace("category", 'category = " "')), "p.md:5: category must be a non-empty string"),
    (front(*replace("url", 'url = "file:///etc/passwd"')),
     "p.md:6: url must be an http:// or https:// address, got 'file:///etc/passwd'"),
    (front(*BASE, 'tags = "介護"'), "p.md:7: tags must be a list of strings"),
    (front(*BASE, 'tags = ["a,b"]'), "p.md:7: tag 'a,b' must be non-empty, on one line, without a comma"),
    (front(*replace("id", 'id = "../etc"')),
     "p.md:2: id '../etc' must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit"),
    (front(*replace("id", 'id = "q"')), "p.md:2: id 'q' differs from the file name p.md: rename the file or fix the id"),
    (front(*BASE, body="\n  \n"), "p.md:8: body is empty"),
])
def test_a_bad_file_is_reported_with_file_and_line(text, expected):
    with pytest.raises(Exception) as err:
        parse_post(text, "p.md", "p")
    assert str(err.value.problem) == expected


def test_load_corpus_keeps_the_good_posts_and_reports_the_bad(tmp_path):
    (tmp_path / "good.md").write_text(render_post(make_post("good", "本文")), "utf-8")
    (tmp_path / "broken.md").write_text("+++\nid = \n+++\n", "utf-8")
    (tmp_path / "latin1.md").write_bytes(front(*BASE).replace("p", "latin1", 1).encode("utf-8") + b"\xff")
    (tmp_path / ".good.md.1234.tmp").write_text("half written", "utf-8")
    (tmp_path / "notes.txt").write_text("not a post", "utf-8")
    posts, problems = load_corpus(tmp_path)
    assert [p.id for p in posts] == ["good"]
    assert [str(p).removeprefix(f"{tmp_path}/") for p in problems] == [
        "broken.md:2: front matter: invalid value",
        "latin1.md:9: the file is not UTF-8",
    ]


def test_read_post_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(Exception) as err:
        read_post(tmp_path / "gone.md")
    assert str(err.value.problem) == f"{tmp_path}/gone.md:1: cannot read the file: No such file or directory"
