"""6. Long text: Sudachi refuses more than 49,149 bytes, so text is analysed in chunks."""

from search.analysis import SUDACHI_MAX_BYTES, split_chunks
from search.backends.whoosh.analyzer import japanese_analyzer

SENTENCE = "厚生労働省は介護保険制度の見直しについて社会保障審議会で議論した。"


def test_chunks_fit_sudachi_and_join_back_to_the_text():
    text = SENTENCE * 5000  # 165,000 characters, about 495 KB
    chunks = list(split_chunks(text))
    assert len(chunks) > 10
    assert "".join(c for _, c in chunks) == text
    assert all(len(c.encode("utf-8")) < SUDACHI_MAX_BYTES for _, c in chunks)
    assert all(c.endswith("。") for _, c in chunks[:-1])
    assert [o for o, _ in chunks] == [sum(len(c) for _, c in chunks[:i]) for i in range(len(chunks))]


def test_a_sentence_without_any_break_is_still_cut():
    text = "介" * 60_000  # 180 KB, no sentence end, no comma, no space
    chunks = list(split_chunks(text))
    assert "".join(c for _, c in chunks) == text
    assert all(len(c.encode("utf-8")) < SUDACHI_MAX_BYTES for _, c in chunks)


def test_offsets_and_positions_run_on_across_chunks():
    text = "はじめに。" + SENTENCE * 2500 + "最後に輪島市の取組を紹介する。"
    assert len(text.encode("utf-8")) > 150_000
    toks = [(t.text, t.pos, t.startchar, t.endchar)
            for t in japanese_analyzer()(text, positions=True, chars=True)]
    # Every offset points at the original surface.
    for term, _, start, end in toks:
        if term in ("介護", "保険", "輪島"):
            assert text[start:end] == term
    per_sentence = [t for t in toks if 5 <= t[2] < 5 + len(SENTENCE)]
    assert len(per_sentence) > 5
    # Positions grow by a fixed step per repeated sentence: no reset at a chunk boundary.
    starts = [t[1] for t in toks if t[0] == "厚生労働省"]
    assert len(starts) == 2500
    steps = {b - a for a, b in zip(starts, starts[1:])}
    assert len(steps) == 1
    last = [t for t in toks if t[0] == "輪島"][0]
    assert text[last[2]:last[3]] == "輪島"
    assert last[1] > starts[-1]
