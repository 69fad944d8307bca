"""How posts become OpenSearch documents (search/backends/opensearch/mapping.py) and how the
cluster is addressed (connection.py): unit positions as Whoosh counts them, on the real cluster's
analyser too; URLs with credentials and TLS."""

from __future__ import annotations

import pytest

from search.analysis import morphology
from search.backends.opensearch.connection import hosts_of, public_url
from search.backends.opensearch.mapping import (ANALYSIS, JOIN, SPACE, decode_units, encode_term,
                                                encode_units, find_term)
from tests.opensearch.backend_fixtures import unique_alias

TEXT = "輪島市の介護保険事業計画と新型コロナウイルス感染症対策、ＫＰＩの見直し。"


def expected(text: str) -> dict[str, list[tuple[int, int, int]]]:
    out: dict[str, list] = {}
    for pos, start, end, term, _reading, _kind in morphology().units(text):
        out.setdefault(encode_term(term), []).append((pos, start, end))
    return out


def test_units_round_trip_with_whoosh_positions():
    units = morphology().units(TEXT)
    assert any(kind == "C" for *_, kind in units)  # the text has compounds that split
    text, offsets = encode_units(units)
    assert len(text.split(" ")) == 1 + max(u[0] for u in units)  # one token per A position
    assert decode_units(text, offsets) == expected(TEXT)


@pytest.mark.parametrize(("term", "encoded"), [
    ("介護", "介護"), ("a b", f"a{SPACE}b"), (f"x{JOIN}y", f"x{SPACE}y"), ("", SPACE),
    ("長" * 9000, "長" * 8000),
])
def test_terms_never_break_the_encoding(term, encoded):
    assert encode_term(term) == encoded


def test_the_cluster_puts_every_term_at_its_whoosh_position(opensearch_cluster):
    name = unique_alias("analyse")
    opensearch_cluster.request("PUT", f"/{name}", {"settings": {"analysis": ANALYSIS}})
    try:
        text, _ = encode_units(morphology().units(TEXT))
        found = opensearch_cluster.request("POST", f"/{name}/_analyze",
                                           {"analyzer": "units", "text": text})
    finally:
        opensearch_cluster.request("DELETE", f"/{name}")
    got = sorted((t["position"], t["token"]) for t in found["tokens"])
    want = sorted({(pos, encode_term(term)) for pos, _, _, term, _, _ in morphology().units(TEXT)})
    assert got == want


def test_urls_with_credentials_and_tls():
    hosts, auth = hosts_of("https://reader:p%40ss@search.example:9243/os/, http://10.0.0.2")
    assert auth == ("reader", "p@ss")
    assert hosts == [
        {"host": "search.example", "port": 9243, "use_ssl": True, "url_prefix": "/os"},
        {"host": "10.0.0.2", "port": 9200, "use_ssl": False, "url_prefix": ""}]
    assert public_url("https://reader:secret@search.example:9243") == \
        "https://reader:***@search.example:9243"


@pytest.mark.parametrize("url", ["", "ftp://x", " , "])
def test_bad_urls_say_what_is_expected(url):
    with pytest.raises(ValueError, match="POLICY_SEARCH_OPENSEARCH_URL"):
        hosts_of(url)


@pytest.mark.parametrize("text", [TEXT, "介護。" * 50 + "輪島市の介護", "a b"])
def test_finding_one_term_agrees_with_decoding_all(text):
    encoded, offsets = encode_units(morphology().units(text))
    decoded = decode_units(encoded, offsets)
    for term, occurrences in decoded.items():
        assert find_term(encoded, offsets, term) == occurrences, term
    assert find_term(encoded, offsets, "存在しない") == []
