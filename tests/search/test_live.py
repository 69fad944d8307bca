"""Fresh results: a running service follows new generations (symlink switch) and in-place commits
(TOC generation) within a second, never fails a request during a switch, shows no deleted post,
and closes retired searchers once no request uses them."""

import datetime as dt
import shutil
import threading
import time

import pytest
from whoosh import index as whoosh_index

from search import IndexStore, IndexUnavailable, Post, SearchRequest, SearchService, Settings
from search.backends.whoosh.schema import make_schema, post_document
from tests.fixtures.index import build_index
from tests.fixtures.posts import FIXTURE_POSTS, POSTS_BY_ID


def post(pid: str, body: str, date: str = "2024-04-01") -> Post:
    return Post(id=pid, title=f"{pid}の記事", date=dt.date.fromisoformat(date), category="テスト",
                url=f"https://example.jp/{pid}", body=body)


def ids(service, q="") -> list[str]:
    return sorted(h["id"] for h in service.search(SearchRequest(q=q, per_page=100))["hits"])


def wait_for(predicate, timeout: float = 1.0) -> float:
    """Seconds until ``predicate()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "not within the time limit"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def root(tmp_path):
    build_index(tmp_path, [post("a", "介護の話。"), post("b", "福祉の話。")])
    return tmp_path


@pytest.fixture
def service(root):
    svc = SearchService(Settings(index_dir=root))
    yield svc
    svc.close()


def test_a_new_generation_is_served_within_a_second(root, service):
    assert ids(service) == ["a", "b"]
    build_index(root, [post("a", "介護の話。"), post("c", "保育の話。")])
    wait_for(lambda: ids(service) == ["a", "c"])
    assert ids(service, "保育") == ["c"]
    assert ids(service, "福祉") == []


def test_an_in_place_commit_is_served_and_deleted_posts_vanish(root, service):
    assert ids(service, "話") == ["a", "b"]
    ix = whoosh_index.open_dir(str(IndexStore(root).live_dir()))
    try:
        writer = ix.writer()  # a second segment plus a deletion in the first
        writer.add_document(**post_document(post("c", "介護と保育の話。")))
        writer.delete_by_term("id", "a")
        writer.commit(merge=False)
    finally:
        ix.close()
    wait_for(lambda: ids(service) == ["b", "c"])
    assert ids(service, "介護") == ["c"]
    assert ids(service, "話") == ["b", "c"]
    assert service.post("a") is None
    assert service.archives()["total"] == 2


def test_multi_segment_index_with_deletions(tmp_path):
    build_index(tmp_path, FIXTURE_POSTS[:12])
    live_dir = IndexStore(tmp_path).live_dir()
    ix = whoosh_index.open_dir(str(live_dir))
    try:
        writer = ix.writer()
        for p in FIXTURE_POSTS[12:]:
            writer.add_document(**post_document(p))
        writer.delete_by_term("id", "kaigo-jinzai")
        writer.commit(merge=False)
    finally:
        ix.close()
    ix = whoosh_index.open_dir(str(live_dir))
    with ix.reader() as reader:
        assert len(list(reader.leaf_readers())) == 2
    ix.close()
    svc = SearchService(Settings(index_dir=tmp_path))
    try:
        assert ids(svc, "介護 OR 認知症") == ["ninchi-new", "ninchi-old"]
        assert ids(svc, "生活保護基準") == ["seiho-kijun"]
        assert ids(svc, "わじまし") == ["wajima-torikumi"]
        hits = svc.search(SearchRequest(q="遠隔医療"))["hits"]
        assert [h["id"] for h in hits] == ["long-report"]
        assert "<mark>遠隔医療</mark>" in hits[0]["snippet"]
        assert svc.search(SearchRequest())["total"] == len(FIXTURE_POSTS) - 1
    finally:
        svc.close()


def test_no_request_fails_during_switches(root):
    service = SearchService(Settings(index_dir=root), check_interval=0.0)
    errors: list[BaseException] = []
    seen: set[tuple[str, ...]] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                seen.add(tuple(ids(service, "話")))
            except BaseException as exc:  # any failure is a test failure
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    store = IndexStore(root)
    try:
        for n in range(8):
            previous = store.live_dir()
            build_index(root, [post(f"g{n}", "新しい話。"), post("b", "福祉の話。")])
            for stale in store.stale_dirs():
                if stale != previous:
                    shutil.rmtree(stale)
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
    try:
        assert errors == []
        assert ("b", "g7") in seen
        wait_for(lambda: ids(service, "話") == ["b", "g7"])
    finally:
        service.close()


def test_a_lease_outlives_its_generation(root):
    """A request that started on an old generation finishes on it, even when the generation is
    replaced and its directory deleted meanwhile; then that view is closed."""
    service = SearchService(Settings(index_dir=root), check_interval=0.0)
    live = service.backend._live
    try:
        assert ids(service, "介護") == ["a"]
        with live.lease() as (old_view, old_searcher):
            old_dir = old_view.directory
            build_index(root, [post("z", "介護の話。")])
            assert ids(service, "介護") == ["z"]  # others already see the new generation
            shutil.rmtree(old_dir)
            assert not old_view.closed
            assert ids_through(service, old_view, old_searcher) == ["a"]
        assert old_view.closed
    finally:
        service.close()


def ids_through(service, view, searcher) -> list[str]:
    from search.backends.whoosh.engine import Engine
    from search.query import parse

    engine = Engine(view, searcher.reader())
    plan = service.compiler.compile(parse("介護"), searcher.reader(), view.readings).plan
    found = sorted(view.ids[d] for d in engine.run(plan))
    [d] = engine.run(plan)
    assert searcher.reader().stored_fields(d)["title"] == "aの記事"
    return found


def test_a_missing_index_is_unavailable_until_published(tmp_path):
    service = SearchService(Settings(index_dir=tmp_path / "index"), check_interval=0.0)
    try:
        with pytest.raises(IndexUnavailable):
            service.search(SearchRequest())
        with pytest.raises(IndexUnavailable):
            service.post("a")
        build_index(tmp_path / "index", [post("a", "介護の話。")])
        assert ids(service) == ["a"]
    finally:
        service.close()


def test_a_closed_service_refuses(root):
    service = SearchService(Settings(index_dir=root))
    assert ids(service) == ["a", "b"]
    service.close()
    with pytest.raises(IndexUnavailable):
        service.search(SearchRequest())


def test_a_bare_whoosh_directory_is_accepted(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with ix.writer() as writer:
        writer.add_document(**post_document(POSTS_BY_ID["kaigo-jinzai"]))
    ix.close()
    service = SearchService(Settings(index_dir=tmp_path))
    try:
        assert ids(service, "介護") == ["kaigo-jinzai"]
    finally:
        service.close()
