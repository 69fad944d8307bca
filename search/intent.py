"""What a reader means by a word: the content words of a sentence, and other spellings of a word.

**Sentences.** Readers type 「子どもの貧困対策について」 or 「ひきこもり支援について知りたい」
as one word. :func:`content_pieces` cuts such a word (Sudachi, mode C) into its runs of content
morphemes; particles, auxiliary verbs, punctuation and the function words below separate runs
and are not searched. What counts as a function word is decided by part of speech first:

* 助詞, 助動詞, 補助記号, 空白 (as the index drops them), 代名詞, 副詞, 連体詞, 接続詞, 感動詞;
* verbs, adjectives and nouns tagged 非自立可能 (する, ある, いる, なる, くださる, ない, ほしい);
* a short list of lemmas (Sudachi's normalized form) that in a query only frame the request:
  :data:`FRAME_LEMMAS` (について = に + つく + て, に関する, に向けて, に対する, における, 知りたい,
  教えて, 調べたい …) and the formal nouns :data:`FORMAL_NOUNS` (こと, もの, ため …).

A word with no particle, auxiliary or function word in it (介護保険, 子ども貧困), or only の between
its nouns (生涯活躍のまち: a name, searched as a phrase as before), stays one piece, and
so does a word of kana only (Sudachi's analysis of bare kana is unreliable; see
:mod:`search.plan` for how such words are read).

**Spelling variants.** Sudachi's normalized form already unifies many spellings (子ども, こども →
子供; 取組 → 取り組み). Where it does not (取りくみ is read as the verb 取り組む, 見なおし as
見直す, while posts write the nouns 取り組み, 見直し), :func:`spelling_variants` looks the
word's reading up in the generation's reading lexicon and keeps only the terms that share a
kanji with the word typed and are written with kanji and kana only: homophones (見直し vs
看做し) share no kanji.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from .analysis import fold, is_kana, morphology, to_katakana
from .readings import ReadingLexicon

#: Top-level parts of speech that are never content words of a query.
FUNCTION_POS = frozenset(
    {"助詞", "助動詞", "補助記号", "空白", "代名詞", "副詞", "連体詞", "接続詞", "感動詞"}
)
#: Lemmas (normalized forms) that in a query frame the request rather than name a topic:
#: case-particle phrases (に+つく+て, に+関する, に+向ける, に+対する, に+おく+る, に+基づく,
#: に+伴う, を+めぐる) and request verbs (知りたい, 教えて, 調べたい, 探している, 分かる, 思う,
#: 見る, 読む).
FRAME_LEMMAS = frozenset(
    {
        "つく",
        "付く",
        "関する",
        "向ける",
        "対する",
        "おく",
        "於く",
        "基づく",
        "伴う",
        "巡る",
        "めぐる",
        "知る",
        "教える",
        "調べる",
        "探す",
        "分かる",
        "思う",
        "見る",
        "読む",
        "欲しい",
        "ほしい",
        "下さる",
        "願う",
        "頂く",
    }
)
#: Formal nouns (形式名詞), which Sudachi tags as ordinary nouns.
FORMAL_NOUNS = frozenset(
    {
        "こと",
        "事",
        "もの",
        "物",
        "ため",
        "為",
        "ところ",
        "所",
        "よう",
        "様",
        "等",
        "など",
        "方",
        "件",
    }
)

#: Aspect nouns: in a sentence they say which side of a topic the reader wants (状況, 課題,
#: 論点 …), which posts on the topic discuss in many words; as required words they would keep
#: only the posts that use that very noun. Dropped from a sentence, also at the end of a
#: compound (導入状況 → 導入), when other content words remain.
ASPECT_NOUNS = frozenset(
    {
        "状況",
        "課題",
        "論点",
        "動向",
        "現状",
        "実態",
        "在り方",
        "あり方",
        "方向性",
        "概要",
        "推移",
        "現況",
        "事例",
        "具体例",
        "ポイント",
    }
)

_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]")
_KANJI_KANA = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々ー]+$")
#: Variants kept for one word at most (the lexicon lists few terms per reading that pass the
#: kanji test; this only bounds a pathological lexicon).
MAX_VARIANTS = 4

_LOCK = threading.Lock()
_TOKENIZER = None


def _tokenize(text: str) -> list[tuple[str, str, tuple, int, int, str]]:
    """``(surface, normalized form, part of speech, start, end, reading)`` of each mode-C
    morpheme; a compound noun ending in an aspect noun (導入状況) as two: the rest and the
    aspect noun."""
    global _TOKENIZER
    from sudachipy import SplitMode

    out = []
    with _LOCK:
        if _TOKENIZER is None:
            _TOKENIZER = morphology().dictionary.tokenizer(
                SplitMode.C, fields={"pos", "normalized_form", "reading_form", "split_a"}
            )
        for m in _TOKENIZER.tokenize(text):
            pos = m.part_of_speech()
            if pos[0] == "名詞" and m.end() - m.begin() > 2:
                parts = list(m.split(SplitMode.A, add_single=False))
                if len(parts) > 1 and parts[-1].normalized_form() in ASPECT_NOUNS:
                    last = parts[-1]
                    out.append(
                        (
                            text[m.begin() : last.begin()],
                            m.normalized_form(),
                            pos,
                            m.begin(),
                            last.begin(),
                            m.reading_form(),
                        )
                    )
                    out.append(
                        (
                            last.surface(),
                            last.normalized_form(),
                            last.part_of_speech(),
                            last.begin(),
                            last.end(),
                            "",
                        )
                    )
                    continue
            out.append(
                (m.surface(), m.normalized_form(), pos, m.begin(), m.end(), m.reading_form())
            )
    return out


def _is_content(normalized: str, pos: tuple) -> bool:
    if pos[0] in FUNCTION_POS or pos[1] == "非自立可能" or pos[1] == "代名詞":
        return False
    if pos[0] in ("動詞", "形容詞") and normalized in FRAME_LEMMAS:
        return False
    if pos[0] == "名詞" and normalized in FORMAL_NOUNS:
        return False
    return True


def _joins(normalized: str, pos: tuple) -> bool:
    """True for what joins a noun phrase rather than frames a sentence: the particle の,
    symbols and spaces."""
    return (pos[0] == "助詞" and normalized == "の") or pos[0] in ("補助記号", "空白")


@lru_cache(maxsize=4096)
def _pieces(text: str) -> tuple[str, ...]:
    morphemes = _tokenize(text)
    content = [_is_content(normalized, pos) for _, normalized, pos, _, _, _ in morphemes]
    if all(
        ok or _joins(normalized, pos)
        for ok, (_, normalized, pos, _, _, _) in zip(content, morphemes, strict=False)
    ):
        return (text,)  # a compound or a noun phrase (生涯活躍のまち): one word, as typed
    aspects = [
        ok and normalized in ASPECT_NOUNS
        for ok, (_, normalized, _, _, _, _) in zip(content, morphemes, strict=False)
    ]
    if (
        any(ok and not aspect for ok, aspect in zip(content, aspects, strict=False))
        and len(morphemes) > 1
        and not all(content)
    ):
        content = [ok and not aspect for ok, aspect in zip(content, aspects, strict=False)]
    runs: list[tuple[int, int]] = []
    open_run: list[int] | None = None
    for (_surface, _normalized, _pos, start, end, _), ok in zip(morphemes, content, strict=False):
        if ok:
            if open_run is None:
                open_run = [start, end]
                runs.append(open_run)  # type: ignore[arg-type]
            else:
                open_run[1] = end
        else:
            open_run = None
    pieces = tuple(text[a:b].strip() for a, b in runs)
    return tuple(p for p in pieces if p)


def content_pieces(text: str) -> list[str]:
    """The content words of ``text`` in order: ``[text]`` when it has no function word in it,
    ``[]`` when it has nothing else (only particles and request words)."""
    if len(text.encode("utf-8")) > 1024 or is_kana(text):
        # Too long for a sentence a reader types; or bare kana, which Sudachi cuts into
        # nonsense (こうれいしゃ → こう/れいしゃ): the reading path reads it whole.
        return [text]
    pieces = list(_pieces(text))
    if len(pieces) == 1 and len(pieces[0]) == len(text.strip()):
        return [text]
    return pieces


@lru_cache(maxsize=4096)
def _reading(text: str) -> str:
    return to_katakana("".join(m[5] for m in _tokenize(text)))


def spelling_variants(text: str, readings: ReadingLexicon) -> list[str]:
    """Other spellings of a word that mixes kanji and kana (取りくみ → 取り組み, 見なおし →
    見直し): terms of the reading lexicon read as the word is, sharing a kanji with it."""
    if (
        len(text) > 16
        or not _KANJI_KANA.match(text)
        or not _KANJI.search(text)
        or _KANJI.sub("", text) == ""
    ):
        return []  # not a kana/kanji mixture (all-kanji words: Sudachi's normalized form)
    kanji = set(_KANJI.findall(text))
    typed = fold(text)
    out = []
    for term in readings.terms(_reading(text)):
        if term != typed and _KANJI_KANA.match(term) and kanji & set(_KANJI.findall(term)):
            out.append(term)
    return out[:MAX_VARIANTS]
