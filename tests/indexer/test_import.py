"""``policy-search import``: JSONL, feeds, saved pages and HTML pages become post files."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from indexer import read_post
from indexer.sources import detect_kind

from .conftest import DATA, shared_file

JSONL_LINES = [
    {"id": "wp-1", "title": "情報通信白書の概要", "date": "2020-07-01", "category": "第1章",
     "url": "https://example.jp/wp-1", "body": "　5Gの商用サービスが始まった。"},
    "{not json",
    {"id": "wp-2", "title": "日付が壊れた", "date": "2020-13-01", "category": "第1章", "url": None, "body": "本文"},
    {"id": "wp-3", "title": "余計な項目", "date": "2020-07-01", "category": "第1章", "url": None, "body": "本文",
     "author": "誰か"},
    {"id": "wp-4", "title": "URLなし", "date": "2020-07-01", "category": "第2章", "url": None,
     "body": "デジタル・トランスフォーメーションの進展。", "tags": ["DX"]},
    {"id": "wp-1", "title": "重複", "date": "2020-07-01", "category": "第1章", "url": None, "body": "本文"},
    ["a", "list"],
    {"id": "wp-5", "title": "本文なし", "date": "2020-07-01", "category": "第1章", "url": None},
    {"id": "wp-6", "title": "日付が数値", "date": 20200701, "category": "第1章", "url": None, "body": "本文"},
]


def write_jsonl(path, lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
                            for line in lines) + "\n", "utf-8")
    return path


def test_jsonl_with_bad_lines_imports_the_good_ones_and_reports_each_bad_line(cli, dirs, tmp_path):
    corpus, _ = dirs
    source = write_jsonl(tmp_path / "posts.jsonl", JSONL_LINES)
    result = cli("import", source, "--corpus", corpus)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{source}:{line}: {reason}" for line, reason in [
        (2, "not valid JSON: Expecting property name enclosed in double quotes (column 2)"),
        (3, "date '2020-13-01' is not a calendar date"),
        (4, "unknown field 'author' (allowed: id, title, date, category, url, tags, body)"),
        (6, f"duplicate id 'wp-1' in this import (first at {source}:1); this one is skipped"),
        (7, 'a line must be a JSON object {"id": …, "title": …}'),
        (8, "missing field 'body'"),
        (9, "date must be a string YYYY-MM-DD, got 20200701"),
    ]]
    assert result.stdout.splitlines() == [
        f"imported 2 posts into {corpus}: 2 added, 0 updated, 0 unchanged, 7 rejected"
        f" ({result.stdout.split('(', 1)[1].split(')', 1)[0]})",
        "1 post has no source address; its url is the placeholder https://unknown.invalid/<id>"
        " (give --url with a saved page)",
        "next: run `policy-search update` to index them",
    ]
    assert sorted(p.name for p in corpus.iterdir()) == ["wp-1.md", "wp-4.md"]
    wp4 = read_post(corpus / "wp-4.md")
    assert (wp4.url, wp4.tags, wp4.date) == ("https://unknown.invalid/wp-4", ("DX",), dt.date(2020, 7, 1))
    assert read_post(corpus / "wp-1.md").body == "　5Gの商用サービスが始まった。"


def test_import_upserts_by_id(cli, dirs, tmp_path):
    corpus, _ = dirs
    first = write_jsonl(tmp_path / "a.jsonl", [JSONL_LINES[0], JSONL_LINES[4]])
    assert cli("import", first, "--corpus", corpus).exit_code == 0
    changed = dict(JSONL_LINES[0], title="改題した概要")
    second = write_jsonl(tmp_path / "b.jsonl", [changed, JSONL_LINES[4]])
    result = cli("import", second, "--corpus", corpus)
    assert result.exit_code == 0
    assert "1 added" not in result.stdout and ": 0 added, 1 updated, 1 unchanged, 0 rejected" in result.stdout
    assert read_post(corpus / "wp-1.md").title == "改題した概要"
    assert sorted(p.name for p in corpus.iterdir()) == ["wp-1.md", "wp-4.md"]


FEED_POSTS = {
    "canpan-rss2.xml": [
        ("canpan-seisaku-memo-1201", "介護保険部会の議論から（第90回）", "2020-03-25", "介護", (),
         "第90回社会保障審議会介護保険部会の資料から、地域包括ケアに関する部分を読みます。\n\n"
         "論点は次のとおりです。\n・介護予防の推進\n・認知症施策の総合的な推進\n\n"
         "次回は「保険者機能の強化」を取り上げます。"),
        ("canpan-seisaku-memo-1203", "地方創生と生涯活躍のまち", "2020-04-02", "地方創生", ("まちづくり",),
         "全世代・全員活躍型の「生涯活躍のまち」について、内閣官房の資料を紹介します。\n\n"
         "関係人口の創出・拡大がもう一つの柱です。"),
    ],
    "canpan-rdf.rdf": [
        ("canpan-seisaku-memo-1301", "生活保護基準の検証について", "2019-12-20", "生活保護", (),
         "社会保障審議会生活保護基準部会の報告書を読みます。\n\n"
         "検証の方法として、夫婦子1人世帯の消費水準との比較が示されました。"),
        ("canpan-seisaku-memo-1302", "こども・子育て支援の加速化プラン", "2023-06-13", "子育て支援", (),
         "こども未来戦略方針の「加速化プラン」の概要です。児童手当の拡充、保育所の整備などが並びます。"),
    ],
    "policy-atom.xml": [
        ("link-9ffbf1c2a5015c54e8dc", "デジタル庁の設置と自治体システムの標準化", "2021-05-10", "デジタル化", (),
         "デジタル改革関連法が成立し、デジタル庁が9月に発足します。\n\n地方公共団体情報システムの標準化も進みます。"),
    ],
}
FEED_PROBLEMS = {
    "canpan-rss2.xml": ["20: entry '日付のない記事' has no date (pubDate, dc:date, published or updated)"],
    "canpan-rdf.rdf": [],
    "policy-atom.xml": ["16: entry '公開日のないエントリ' has no date (pubDate, dc:date, published or updated)"],
}


@pytest.mark.parametrize("name", sorted(FEED_POSTS))
def test_feed_entries_become_posts(cli, dirs, name):
    corpus, _ = dirs
    source = DATA / name
    result = cli("import", source, "--corpus", corpus)
    assert result.exit_code == (1 if FEED_PROBLEMS[name] else 0)
    assert result.stderr.splitlines() == [f"{source}:{p}" for p in FEED_PROBLEMS[name]]
    posts = [read_post(path) for path in sorted(corpus.iterdir())]
    assert [(p.id, p.title, p.date.isoformat(), p.category, p.tags, p.body) for p in posts] == FEED_POSTS[name]
    assert all(p.url.startswith("https://") and not p.url.startswith("https://unknown.invalid/") for p in posts)


def test_feed_without_categories_uses_the_category_option(cli, dirs, tmp_path):
    corpus, _ = dirs
    text = (DATA / "canpan-rdf.rdf").read_text("utf-8").replace("<dc:subject>生活保護</dc:subject>", "")
    (tmp_path / "feed.rdf").write_text(text, "utf-8")
    assert cli("import", tmp_path / "feed.rdf", "--corpus", corpus, "--category", "福祉").exit_code == 0
    assert read_post(corpus / "canpan-seisaku-memo-1301.md").category == "福祉"


def test_a_file_that_is_not_a_feed_is_rejected(cli, dirs, tmp_path):
    corpus, _ = dirs
    (tmp_path / "empty.rss").write_text("<rss version='2.0'><channel></channel></rss>", "utf-8")
    result = cli("import", tmp_path / "empty.rss", "--corpus", corpus)
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path}/empty.rss:1: not a feed with entries: no entries\n"


def test_saved_canpan_page_becomes_a_post_without_page_furniture(cli, dirs):
    corpus, _ = dirs
    page = shared_file("samples", "canpan-post-page.txt")
    result = cli("import", page, "--corpus", corpus, "--category", "地方創生")
    assert result.exit_code == 0, result.output
    [path] = corpus.iterdir()
    post = read_post(path)
    assert (post.id, post.title, post.date, post.category, post.url) == (
        "page-20200325-10b770f75d", "令和元年度 社会・援護局関係主管課長会議資料", dt.date(2020, 3, 25), "地方創生",
        "https://unknown.invalid/page-20200325-10b770f75d")
    lines = post.body.splitlines()
    assert lines[0] == "令和元年度 社会・援護局関係主管課長会議資料(令和2年2月28日)"
    assert lines[-1] == "次回は、新たに「第4回 生活保護基準の新たな検証手法の開発等に関する検討会資料」からです"
    for furniture in ("CANPAN ブログ検索", "Loading", "もっと見る", "| Main |", "<< 2020年05月 >>", "10 11 12 13",
                      "最新記事", "カテゴリアーカイブ", "月別アーカイブ", "日別アーカイブ", "トラックバック", "コメント"):
        assert furniture not in post.body
    assert "生涯活躍のまち" in post.body and "\n\n\n" not in post.body


def test_saved_page_with_url_takes_its_id_from_the_url(cli, dirs):
    corpus, _ = dirs
    page = shared_file("samples", "canpan-post-page.txt")
    result = cli("import", page, "--corpus", corpus, "--url", "https://blog.canpan.info/seisaku-memo/archive/1500")
    assert result.exit_code == 0, result.output
    assert [p.name for p in corpus.iterdir()] == ["canpan-seisaku-memo-1500.md"]
    assert read_post(corpus / "canpan-seisaku-memo-1500.md").url == "https://blog.canpan.info/seisaku-memo/archive/1500"


def test_url_option_takes_one_page_only(cli, dirs):
    corpus, _ = dirs
    result = cli("import", DATA / "page-no-title.txt", DATA / "page-no-title.txt", "--corpus", corpus,
                 "--url", "https://example.jp/a")
    assert result.exit_code == 1
    assert result.stderr == ("Error: --url names the address of one saved page: import pages one at a time "
                             "when you give it\n")


def test_page_without_a_title_line_is_rejected_and_others_go_in(cli, dirs):
    corpus, _ = dirs
    result = cli("import", DATA / "page-no-title.txt", DATA / "canpan-rdf.rdf", "--corpus", corpus)
    assert result.exit_code == 1
    assert result.stderr == (f"{DATA}/page-no-title.txt:1: no title line 'TITLE [YYYY年MM月DD日(曜)]' found: "
                             "is this a post page saved as text from a CANPAN blog?\n")
    assert len(list(corpus.iterdir())) == 2


def test_html_page_goes_through_trafilatura(cli, dirs):
    corpus, _ = dirs
    result = cli("import", DATA / "policy-page.html", "--corpus", corpus)
    assert result.exit_code == 0, result.output
    post = read_post(corpus / "canpan-seisaku-memo-1401.md")
    assert (post.title, post.date, post.category, post.url) == (
        "障害福祉サービス等報酬改定の概要", dt.date(2021, 2, 4), "障害福祉",
        "https://blog.canpan.info/seisaku-memo/archive/1401")
    assert post.body.split("\n\n") == [
        "令和3年度障害福祉サービス等報酬改定の概要が公表されました。改定率は全体で0.56%のプラスです。",
        "主な内容は、グループホームの重度化・高齢化への対応、就労継続支援の評価の見直し、"
        "医療的ケア児への支援の充実です。",
        "次回は、感染症や災害への対応力の強化について読みます。",
    ]


def test_html_page_without_a_date_is_rejected(cli, dirs, tmp_path):
    corpus, _ = dirs
    page = tmp_path / "nodate.html"
    page.write_text((DATA / "policy-page.html").read_text("utf-8")
                    .replace('<meta property="article:published_time" content="2021-02-04T09:00:00+09:00">', ""),
                    "utf-8")
    result = cli("import", page, "--corpus", corpus)
    assert result.exit_code == 1
    assert result.stderr == (f"{page}:1: no date found in the page (no <meta> date, <time> or date in the "
                             "address)\n")
    assert list(corpus.iterdir()) == []


@pytest.mark.parametrize(("name", "head", "kind"), [
    ("a.jsonl", b'{"id": "x"}', "jsonl"),
    ("a.txt", b'{"id": "x"}', "jsonl"),
    ("a.jsonl", b"", "jsonl"),
    ("feed", b'<?xml version="1.0"?>\n<rss version="2.0">', "feed"),
    ("a.txt", b"<rdf:RDF xmlns:rdf='x'>", "feed"),
    ("a.xml", b"<feed xmlns='http://www.w3.org/2005/Atom'>", "feed"),
    ("a.xml", b"<!DOCTYPE html><html><head>", "html"),
    ("page", b"\xef\xbb\xbf<html lang='ja'>", "html"),
    ("a.html", b"CANPAN \xe3\x83\x96\xe3\x83\xad\xe3\x82\xb0", "page-text"),
    ("a.txt", "題名 [2020年03月25日(Wed)]".encode(), "page-text"),
])
def test_kind_is_told_by_content_then_extension(tmp_path, name, head, kind):
    assert detect_kind(tmp_path / name, head) == kind


def test_a_directory_stands_for_its_files(cli, dirs, tmp_path):
    corpus, _ = dirs
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("canpan-rdf.rdf", "policy-page.html"):
        shutil.copy(DATA / name, sources / name)
    result = cli("import", sources, "--corpus", corpus)
    assert result.exit_code == 0, result.output
    assert len(list(corpus.iterdir())) == 3


def test_missing_source_is_reported_and_the_rest_imported(cli, dirs, tmp_path):
    corpus, _ = dirs
    result = cli("import", tmp_path / "missing.jsonl", DATA / "canpan-rdf.rdf", "--corpus", corpus)
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path}/missing.jsonl:1: cannot read the file: No such file or directory\n"
    assert len(list(corpus.iterdir())) == 2


def test_whitepaper_sample_imports_completely(cli, dirs):
    corpus, _ = dirs
    source = shared_file("corpora", "whitepaper", "sample-1000.jsonl")
    result = cli("import", source, "--corpus", corpus)
    assert result.exit_code == 0, result.stderr
    files = list(corpus.iterdir())
    assert len(files) == 1000
    with open(source, encoding="utf-8") as f:
        nulls = sum(1 for line in f if json.loads(line)["url"] is None)
    assert f"{nulls} posts have no source address" in result.stdout
    again = cli("import", source, "--corpus", corpus)
    assert ": 0 added, 0 updated, 1000 unchanged, 0 rejected" in again.stdout
