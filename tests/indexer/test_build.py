"""``rebuild`` and ``update`` on real corpora and real Whoosh indexes in tmp_path."""

from __future__ import annotations

import json

import pytest

import indexer
from indexer.meta import META_NAME
from indexer.postfile import render_post
from search import IndexStore, ReadingLexicon, Settings
from search.backends.whoosh.backend import WhooshGeneration
from search.schema import SCHEMA_VERSION

from tests.fixtures.index import write_corpus

from .conftest import find, generations, indexed, live_index, make_post

POSTS = [
    make_post("kaigo", "介護保険部会で地域包括ケアを議論した。", title="介護保険部会", date="2021-04-01"),
    make_post("hoiku", "保育所の整備と放課後児童クラブの拡充を進める。", title="保育の受け皿", date="2020-03-25",
              category="子育て支援", tags=("保育", "学童")),
    make_post("seiho", "生活保護基準の検証を行う部会が開かれた。", title="生活保護基準部会", date="2019-12-20",
              category="生活保護"),
]


@pytest.fixture
def built(cli, dirs):
    """A corpus of POSTS and an index built from it by ``update`` (there was none)."""
    corpus, index = dirs
    write_corpus(corpus, POSTS)
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"rebuilt the index from {corpus} (no live index): 3 posts, 0 rejected (")
    return corpus, index


def test_first_update_builds_and_second_says_nothing_changed(cli, built):
    corpus, index = built
    assert indexed(index) == {"kaigo": "介護保険部会", "hoiku": "保育の受け皿", "seiho": "生活保護基準部会"}
    assert find(index, "body", "介護") == ["kaigo"]
    assert find(index, "tags", "学童") == ["hoiku"]
    assert find(index, "date", "2020-03-25") == ["hoiku"]
    before = generations(index)
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0
    assert result.stdout == f"nothing changed: the index (3 posts) is up to date with {corpus}\n"
    assert generations(index) == before


def test_update_adds_changes_and_removes(cli, built):
    corpus, index = built
    write_corpus(corpus, [make_post("kaigo", "認知症施策の推進について議論した。", title="介護保険部会（改）"),
                         make_post("chiho", "地方創生の総合戦略を改訂した。", title="地方創生", category="地方創生")])
    (corpus / "seiho.md").unlink()
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("updated the index: 1 added, 1 updated, 1 removed, 0 rejected; 3 posts (")
    assert indexed(index) == {"kaigo": "介護保険部会（改）", "hoiku": "保育の受け皿", "chiho": "地方創生"}
    assert find(index, "body", "介護") == []
    assert find(index, "body", "認知") == ["kaigo"]
    assert find(index, "body", "生活保護") == []
    ix = live_index(index)
    assert ix.doc_count() == 3
    again = cli("update", "--corpus", corpus, "--index", index)
    assert again.stdout == f"nothing changed: the index (3 posts) is up to date with {corpus}\n"


def readings(index) -> ReadingLexicon:
    return ReadingLexicon.load(IndexStore(index).live_dir())


def test_the_reading_lexicon_grows_with_updates_and_keeps_its_pairs(cli, built):
    corpus, index = built
    assert "介護" in readings(index).terms("カイゴ")
    # Not asserted: that ノト is unknown before the update. The lexicon takes the pairs of every
    # word this process has analysed (search.readings), and other tests may have analysed 能登.
    write_corpus(corpus, [make_post("noto", "能登半島の復旧と復興を支援する。", title="能登半島")])
    (corpus / "kaigo.md").unlink()
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0, result.output
    assert "能登" in readings(index).terms("ノト")
    # A removed post's pairs stay: they are facts about words, and match only posts holding them.
    assert "介護" in readings(index).terms("カイゴ")
    from search import SearchRequest, SearchService

    service = SearchService(Settings(index_dir=index))
    try:
        # ノト + ハントウ: 能登 then 半島
        assert [h["id"] for h in service.search(SearchRequest(q="のとはんとう"))["hits"]] == ["noto"]
        assert service.search(SearchRequest(q="かいご"))["hits"] == []
    finally:
        service.close()


def test_a_broken_post_file_keeps_its_last_good_version_in_the_index(cli, built):
    corpus, index = built
    (corpus / "kaigo.md").write_text("+++\nid = \"kaigo\"\ntitle = \n+++\n本文\n", "utf-8")
    write_corpus(corpus, [make_post("chiho", "地方創生の総合戦略を改訂した。")])
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{corpus}/kaigo.md:3: front matter: invalid value",
        "fix the files above and run `policy-search update` again",
    ]
    assert result.stdout.startswith("updated the index: 1 added, 0 updated, 0 removed, 1 rejected; 4 posts (")
    assert indexed(index)["kaigo"] == "介護保険部会"
    assert find(index, "body", "介護") == ["kaigo"]


def test_rebuild_reports_bad_files_and_indexes_the_rest(cli, built):
    corpus, index = built
    (corpus / "extra.md").write_text(render_post(make_post("other-id", "本文")), "utf-8")
    result = cli("rebuild", "--corpus", corpus, "--index", index)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (f"{corpus}/extra.md:2: id 'other-id' differs from the file name "
                                             "extra.md: rename the file or fix the id")
    assert result.stdout.startswith(f"rebuilt the index from {corpus}: 3 posts, 1 rejected (")
    assert sorted(indexed(index)) == ["hoiku", "kaigo", "seiho"]


def test_rebuild_keeps_the_previous_generation_and_deletes_older_ones(cli, built):
    corpus, index = built
    first = IndexStore(index).live_dir().name
    assert cli("rebuild", "--corpus", corpus, "--index", index).exit_code == 0
    second = IndexStore(index).live_dir().name
    assert generations(index) == sorted([first, second])
    (index / "gen-19990101T000000-abcdef-tmp").mkdir()  # a build a crash left behind
    assert cli("rebuild", "--corpus", corpus, "--index", index).exit_code == 0
    third = IndexStore(index).live_dir().name
    assert generations(index) == sorted([second, third])


def test_an_index_of_another_schema_version_is_rebuilt_by_update(cli, built):
    corpus, index = built
    live = IndexStore(index).live_dir()
    meta = json.loads((live / META_NAME).read_text("utf-8"))
    meta["schema_version"] = 0
    (live / META_NAME).write_text(json.dumps(meta), "utf-8")
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"rebuilt the index from {corpus} (schema version 0 != {SCHEMA_VERSION}): 3 posts")
    assert IndexStore(index).live_dir() != live


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_an_index_without_a_readable_reading_lexicon_is_rebuilt_by_update(cli, built, damage):
    corpus, index = built
    lexicon = IndexStore(index).live_dir() / "readings.json"
    if damage == "missing":
        lexicon.unlink()
    else:
        lexicon.write_text("{broken", "utf-8")
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"rebuilt the index from {corpus} (reading lexicon missing): 3 posts")
    assert "介護" in readings(index).terms("カイゴ")


def test_parallel_workers_build_the_same_index_as_one_process(tmp_path, fixture_posts):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus, fixture_posts)
    contents = []
    for workers in (1, 2):
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / f"index-{workers}")
        summary = indexer.rebuild(settings, workers=workers)
        assert (summary.added, summary.rejected, summary.posts) == (len(fixture_posts), 0, len(fixture_posts))
        ix = live_index(settings.index_dir)
        # Workers take batches as they go: a fast starter may take them all.
        assert 1 <= len(ix._segments()) <= workers
        with ix.searcher() as searcher:
            docs = {f["id"]: f for f in searcher.all_stored_fields()}
            terms = {name: sorted(searcher.reader().lexicon(name)) for name in ("body", "title")}
        readings = ReadingLexicon.load(IndexStore(settings.index_dir).live_dir())
        contents.append((docs, terms))
        # This process analysed other texts before (the lexicon may list more): the posts' pairs.
        assert "輪島市" in readings.terms("ワジマシ")
        assert "保育" in readings.terms("ホイク")
    assert contents[0] == contents[1]


def test_a_share_too_big_for_one_segment_is_split(tmp_path, monkeypatch):
    from search.backends.whoosh import segments

    monkeypatch.setattr(segments, "MAX_SEGMENT_POSTINGS", 1)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus, POSTS)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    indexer.rebuild(settings, workers=1)
    ix = live_index(settings.index_dir)
    assert [s.doc_count() for s in ix._segments()] == [1, 1, 1]
    assert find(settings.index_dir, "body", "保育") == ["hoiku"]


def test_repeated_updates_merge_small_segments(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    write_corpus(corpus, [make_post(f"p{i}", f"第{i}回の会議で介護保険を議論した。") for i in range(3)])
    indexer.rebuild(settings)
    for round_ in range(6):
        write_corpus(corpus, [make_post(f"r{round_}", f"追加{round_}回目の記事。保育所の整備。")])
        summary = indexer.update(settings)
        assert (summary.action, summary.added) == ("update", 1)
    ix = live_index(settings.index_dir)
    assert ix.doc_count() == 9
    # 1 + 5 updates make 6 small segments; the 6th commit merges the 5 old ones into one.
    assert len(ix._segments()) == 3
    assert find(settings.index_dir, "body", "保育") == [f"r{i}" for i in range(6)]


def test_summary_converts_to_a_dict(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus, POSTS[:1])
    summary = indexer.update(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"))
    data = summary.to_dict()
    assert {k: data[k] for k in ("action", "reason", "added", "updated", "removed", "rejected", "posts",
                                 "problems", "ok")} == {
        "action": "rebuild", "reason": "no live index", "added": 1, "updated": 0, "removed": 0,
        "rejected": 0, "posts": 1, "problems": [], "ok": True}
    assert json.loads(json.dumps(data)) == data


def test_missing_corpus_is_a_clear_error(cli, tmp_path):
    result = cli("update", "--corpus", tmp_path / "nope", "--index", tmp_path / "index")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: corpus directory {tmp_path}/nope does not exist: import posts with "
                             "`policy-search import PATH...`, or point --corpus / POLICY_SEARCH_CORPUS at the "
                             "right directory\n")


def test_environment_variables_give_the_default_directories(cli, built, monkeypatch):
    corpus, index = built
    monkeypatch.setenv("POLICY_SEARCH_CORPUS", str(corpus))
    monkeypatch.setenv("POLICY_SEARCH_INDEX", str(index))
    result = cli("update")
    assert result.stdout == f"nothing changed: the index (3 posts) is up to date with {corpus}\n"


def test_remove_deletes_files_and_update_drops_them(cli, built):
    corpus, index = built
    result = cli("remove", "seiho", "nosuch", "../kaigo", "--corpus", corpus)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{corpus}/nosuch.md: no such post file",
                                          "'../kaigo' is not a post id (A-Z a-z 0-9 . _ -)"]
    assert result.stdout.splitlines() == [f"removed 1 post files from {corpus}",
                                          "next: run `policy-search update` to drop them from the index"]
    assert "seiho" in indexed(index)
    result = cli("remove", "hoiku", "--update", "--corpus", corpus, "--index", index)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith("updated the index: 0 added, 0 updated, 2 removed")
    assert sorted(indexed(index)) == ["kaigo"]


def test_stats_shows_the_live_index(cli, built):
    corpus, index = built
    result = cli("stats", "--index", index, "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    live = IndexStore(index).live_dir()
    assert {k: stats[k] for k in ("generation", "posts", "segments", "schema_version", "built_by", "corpus")} == {
        "generation": live.name, "posts": 3, "segments": 1, "schema_version": SCHEMA_VERSION, "built_by": "rebuild",
        "corpus": str(corpus.resolve())}
    assert (stats["backend"], stats["index"], stats["location"]) == ("whoosh", str(index), str(index))
    assert stats["terms"] > 20
    assert stats["size_bytes"] == sum(p.stat().st_size for p in live.iterdir())
    assert stats["readings"] == len(ReadingLexicon.load(live)) > 10
    text = cli("stats", "--index", index).stdout.splitlines()
    assert [line.split(":", 1)[0] for line in text] == [
        "backend", "index", "generation", "posts", "terms", "segments", "readings", "size on disk", "last build",
        "last rebuild", "schema version", "corpus"]


def test_stats_without_an_index_says_how_to_make_one(cli, tmp_path):
    result = cli("stats", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: no index under {tmp_path}/none: build it with `policy-search update` "
                             "(or point --index / POLICY_SEARCH_INDEX at the right directory)\n")


def test_hash_list_matches_the_stored_hashes_and_is_optional(cli, built):
    from indexer.corpus import file_key
    from indexer.meta import HASHES_NAME, read_hashes

    corpus, index = built
    write_corpus(corpus, [make_post("chiho", "地方創生の総合戦略を改訂した。")])
    (corpus / "seiho.md").unlink()
    assert cli("update", "--corpus", corpus, "--index", index).exit_code == 0
    live = IndexStore(index).live_dir()
    with live_index(index).searcher() as searcher:
        stored = {f["id"]: f["content_hash"] for f in searcher.all_stored_fields()}
    entries = read_hashes(WhooshGeneration(live))
    assert {post_id: digest for post_id, (digest, _) in entries.items()} == stored
    assert entries["chiho"][1] == file_key((corpus / "chiho.md").stat())
    assert sorted(stored) == ["chiho", "hoiku", "kaigo"]
    (live / HASHES_NAME).unlink()
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.stdout == f"nothing changed: the index (3 posts) is up to date with {corpus}\n"


def test_a_touched_file_is_read_again_but_nothing_is_reindexed(cli, built):
    import os

    from indexer.corpus import file_key
    from indexer.meta import read_hashes

    corpus, index = built
    live = IndexStore(index).live_dir()
    before = read_hashes(WhooshGeneration(live))["kaigo"]
    os.utime(corpus / "kaigo.md", ns=(1_000_000_000, 1_000_000_000))
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.stdout == f"nothing changed: the index (3 posts) is up to date with {corpus}\n"
    assert IndexStore(index).live_dir() == live
    after = read_hashes(WhooshGeneration(live))["kaigo"]
    assert (after[0], after[1]) == (before[0], file_key((corpus / "kaigo.md").stat()))
    assert after[1] != before[1]


def test_a_file_changed_behind_an_unchanged_size_and_time_is_still_seen(cli, built):
    import os

    corpus, index = built
    path = corpus / "kaigo.md"
    st = path.stat()
    text = path.read_text("utf-8")
    path.write_text(text.replace("地域包括ケア", "地域共生社会"), "utf-8")  # same length in UTF-8
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime put back; ctime cannot be
    assert path.stat().st_size == st.st_size
    result = cli("update", "--corpus", corpus, "--index", index)
    assert result.stdout.startswith("updated the index: 0 added, 1 updated, 0 removed")
    assert find(index, "body", "共生") == ["kaigo"]
