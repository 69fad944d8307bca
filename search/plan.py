"""From a syntax tree (:mod:`search.query`) to a search plan: which terms and phrases, on which
fields, with which weights. A backend evaluates plans (:meth:`search.backend.Snapshot.search`;
Whoosh: :mod:`search.backends.whoosh.engine`, which the tests check against the equivalent Whoosh
query of ``tests/search/whoosh_reference.py``).

Compiling a word: it is analysed by the same analyzer as the index. Its A-level units (unit
``W`` or ``A``) form a phrase (one unit: a term) on ``title`` (weight ``Settings.title_boost``) and
``body``; C units that split add score without being required. A kana-only word is also folded
to katakana and segmented into the fewest readings of the generation's reading lexicon
(:mod:`search.readings`) whose terms the field holds; the terms behind each reading are searched
at consecutive positions on ``title``/``body`` (:class:`Spelled`, weight
``Settings.reading_boost``). When Sudachi's analysis of a kana word drops pieces of it (わじまし →
わ/じ/まし, partly particles), the word is not searched with that analysis, only through its
readings. Synonyms of the word, or of one of its C units, are OR-ed in (quoted words are taken as
written), and so are the spelling variants of a kanji/kana mixture (:mod:`search.intent`). All the
ways of matching one word form one :class:`OneWord`, which the engine scores as one word.

A plain word typed as a sentence (子どもの貧困対策について) is compiled as its content words
(:func:`search.intent.content_pieces`). The plain words of a query form a :class:`Partial`: when
no post holds them all, the posts with the most of them answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import is_kana, morphology, to_katakana
from .config import Settings
from .intent import content_pieces, spelling_variants
from .query import All, Any, Node, Not, Word
from .readings import ReadingLexicon
from .synonyms import Synonyms
from .wareki import alternatives as year_spellings

#: Kana words longer than this skip the reading path (its segmentation is quadratic).
MAX_KANA_CHARS = 32
#: At most this many terms stand for one reading piece (those in the most documents): a short
#: reading such as コウ is the reading of hundreds of terms.
MAX_READING_TERMS = 64
#: At most this many synonym alternatives are added for one word.
MAX_ALTERNATIVES = 8

TEXT_FIELDS = ("title", "body")


# --- plan nodes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seq:
    """A term (one) or a phrase (several, at consecutive positions) on one field."""

    field: str
    terms: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Spelled:
    """A kana word found through readings: terms at consecutive positions on ``field``, the k-th
    any one of ``options[k]`` (the terms read as the word's k-th reading piece)."""

    field: str
    options: tuple[tuple[str, ...], ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Boosted:
    """The documents of ``core``; those also matching a ``bonus`` part score more. ``whole``:
    the single bonus term is the compound whose parts are all of ``core`` (a document holding
    it holds the phrase)."""

    core: Seq
    bonus: tuple[Seq, ...]
    whole: bool = False


#: The ways of matching one word (:class:`OneWord`'s children).
Leaf = Seq | Spelled | Boosted


@dataclass(frozen=True)
class OneWord:
    """One query word: the documents matching any of ``children`` (its spellings, synonyms and
    readings, on ``title`` and ``body``: only :class:`Seq`, :class:`Spelled` and
    :class:`Boosted`). It scores as one word (BM25F, see :mod:`search.backends.whoosh.engine`):
    the children's term frequencies, times their boosts and over their field's length, are
    added before one saturation, so a synonym or a reading is another way to match the same
    word, never an extra word. ``label`` is the word as the reader typed it (for ``missing``)."""

    children: tuple[Leaf, ...]
    label: str = ""


@dataclass(frozen=True)
class Partial:
    """All of ``required``, and as many of ``optional`` as any document holds.

    The documents holding every ``required`` child and every ``optional`` one; when there are
    none, those holding every ``required`` child and the greatest number ``m`` of ``optional``
    children that any such document holds (the answer is then *partial*; ``m`` may be 0 only
    when there are ``required`` children). Scores are
    summed as in :class:`AllOf`. ``labels[k]`` names ``optional[k]`` (the word typed), so that
    an engine can say which words each document lacks. Quoted phrases, explicit ``OR`` groups
    and ``title:`` words are ``required``; plain words are ``optional``."""

    required: tuple[Plan, ...]
    optional: tuple[Plan, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Plan, ...]


@dataclass(frozen=True)
class AllOf:
    children: tuple[Plan, ...]


@dataclass(frozen=True)
class Excluding:
    base: Plan
    excluded: Plan


@dataclass(frozen=True)
class Everything:
    """Every post (a query of only exclusions starts from here)."""


@dataclass(frozen=True)
class InCategory:
    value: str


Plan = (
    Seq
    | Spelled
    | Boosted
    | OneWord
    | Partial
    | AnyOf
    | AllOf
    | Excluding
    | Everything
    | InCategory
)
#: One sequence to highlight: for each position, the terms that may stand there.
Marks = dict[str, set[tuple[tuple[str, ...], ...]]]


@dataclass
class CompiledQuery:
    """A plan (None: nothing to search for) and what to highlight: for each field (``title``,
    ``body``) the term sequences of the positive words, each position a tuple of the terms that
    may stand there (one, except for words found through readings)."""

    plan: Plan | None
    marks: Marks = field(default_factory=dict)


# --- compiler ----------------------------------------------------------------------------------


class QueryCompiler:
    """Turns syntax trees into plans, using one reader's terms and one reading lexicon. A
    ``reader`` is any :class:`search.backend.TermLexicon` (a snapshot's ``lexicon``)."""

    def __init__(self, settings: Settings, synonyms: Synonyms) -> None:
        self.settings = settings
        self.synonyms = synonyms

    def compile(self, tree: Node | None, reader, readings: ReadingLexicon) -> CompiledQuery:
        out = CompiledQuery(None)
        if tree is not None:
            out.plan = _Compilation(self, reader, readings).top(tree, out.marks)
        return out

    def analyse(self, text: str) -> list:
        """``(term, unit, start, end)`` of each unit of ``text``, as the index has them."""
        return [
            (term, unit, start, end) for _, start, end, term, _, unit in morphology().units(text)
        ]

    def alternatives(self, text: str) -> list[str]:
        """Synonyms of the word, the word with one C-level unit replaced by a synonym, and the
        word with a year it names spelled the other ways (令和6年度 → 2024年度, R6年度)."""
        out: list[str] = list(self.synonyms.expand(text))
        for term, unit, start, end in self.analyse(text):
            surface = text[start:end]
            if unit == "A" or surface == text:
                continue
            for other in self.synonyms.expand(surface) or self.synonyms.expand(term):
                out.append(text[:start] + other + text[end:])
        unique: list[str] = []
        for alt in out:
            if alt != text and alt not in unique:
                unique.append(alt)
        # A year in 和暦 or 西暦 is searched in every spelling (search.wareki), beyond the cap.
        return unique[:MAX_ALTERNATIVES] + [y for y in year_spellings(text) if y not in unique]


class _Compilation:
    """One query compiled against one reader and reading lexicon."""

    def __init__(self, compiler: QueryCompiler, reader, readings: ReadingLexicon) -> None:
        self.compiler = compiler
        self.settings = compiler.settings
        self.reader = reader
        self.readings = readings

    def node(self, node: Node, marks, positive: bool) -> Plan | None:
        if isinstance(node, Word):
            return self._word(node, marks if positive else None)
        if isinstance(node, Not):
            inner = self.node(node.child, marks, not positive)
            return None if inner is None else Excluding(Everything(), inner)
        if isinstance(node, Any):
            options = [p for c in node.children if (p := self.node(c, marks, positive))]
            return _any(options)
        required, excluded = [], []
        for child in node.children:
            if isinstance(child, Not):
                p = self.node(child.child, marks, not positive)
                if p is not None:
                    excluded.append(p)
            else:
                p = self.node(child, marks, positive)
                if p is not None:
                    required.append(p)
        if not required and not excluded:
            return None
        base = (
            Everything()
            if not required
            else required[0]
            if len(required) == 1
            else AllOf(tuple(required))
        )
        if not excluded:
            return base
        return Excluding(base, AnyOf(tuple(excluded)) if len(excluded) > 1 else excluded[0])

    def top(self, node: Node, marks) -> Plan | None:
        """The plan of a whole query. Its plain words (and the content words of a sentence
        typed as one word, :mod:`.intent`) may be missing when no post holds them all: with two
        or more of them, or one beside a required phrase or ``OR`` group, the query becomes a
        :class:`Partial`."""
        children = node.children if isinstance(node, All) else (node,)
        loose: list[Word] = []
        strict: list[Node] = []
        excluded: list[Node] = []
        for child in children:
            if isinstance(child, Not):
                excluded.append(child.child)
            elif isinstance(child, Word) and not child.quoted and child.field is None:
                loose.extend(self.pieces(child))  # none: only particles and request words
            else:
                strict.append(child)
        if not loose and not strict:
            return self.node(node, marks, positive=True)  # as typed: nothing else is left
        required = [p for c in strict if (p := self.node(c, marks, True)) is not None]
        optional, labels = [], []
        for word in loose:
            p = self._word(word, marks)
            if p is not None:
                optional.append(p)
                labels.append(word.text)
        if len(optional) < (1 if required else 2):
            required += optional
            optional, labels = [], []
        if optional:
            base: Plan | None = Partial(tuple(required), tuple(optional), tuple(labels))
        elif required:
            base = required[0] if len(required) == 1 else AllOf(tuple(required))
        else:
            base = None
        minus = [p for c in excluded if (p := self.node(c, marks, False)) is not None]
        if not minus:
            return base
        excluded_plan = minus[0] if len(minus) == 1 else AnyOf(tuple(minus))
        return Excluding(base if base is not None else Everything(), excluded_plan)

    def pieces(self, word: Word) -> list[Word]:
        """A plain word typed as a phrase or sentence, as its content words (:mod:`.intent`);
        other words as they are."""
        if word.quoted or word.field == "category":
            return [word]
        texts = content_pieces(word.text)
        if texts == [word.text]:
            return [word]
        return [Word(t, word.field) for t in texts]

    def _word(self, word: Word, marks) -> Plan | None:
        if word.field == "category":
            value = word.text.strip()
            return InCategory(value) if value else None
        pieces = self.pieces(word) or [word]
        if len(pieces) != 1 or pieces[0] != word:
            # A sentence nested in OR or parentheses: every content word, strictly.
            parts = [p for w in pieces if (p := self._word(w, marks)) is not None]
            return None if not parts else parts[0] if len(parts) == 1 else AllOf(tuple(parts))
        fields = ("title",) if word.field == "title" else TEXT_FIELDS
        texts = [word.text]
        if not word.quoted:
            texts += self.compiler.alternatives(word.text)
            texts += [v for v in spelling_variants(word.text, self.readings) if v not in texts]
        leaves = [leaf for t in texts for leaf in self._one_word(t, fields, marks)]
        if not leaves:
            return None
        return OneWord(tuple(dict.fromkeys(leaves)), word.text)

    def _one_word(self, text: str, fields: tuple[str, ...], marks) -> list[Leaf]:
        units = self.compiler.analyse(text)
        sequence = tuple(term for term, unit, _, _ in units if unit != "C")
        compounds = tuple(term for term, unit, _, _ in units if unit == "C")
        # One compound and no unit outside it: its parts are the whole sequence.
        whole = len(compounds) == 1 and all(unit != "W" for _, unit, _, _ in units)
        kana = is_kana(text)
        text_fields = fields
        if kana and _drops_pieces(text, units):
            # Sudachi made nonsense of a bare kana string (わじまし → わ/じ/まし, せんきょ → せ…):
            # its remains would match unrelated words in any field, so only readings count.
            text_fields = ()
        options: list[Leaf] = []
        if sequence:
            for f in text_fields:
                boost = self.settings.title_boost if f == "title" else 1.0
                core = Seq(f, sequence, boost)
                if compounds:
                    options.append(
                        Boosted(core, tuple(Seq(f, (c,), boost) for c in compounds), whole)
                    )
                else:
                    options.append(core)
                if marks is not None:
                    marks.setdefault(f, set()).add(tuple((t,) for t in sequence))
        if kana:
            katakana = to_katakana(text).strip()
            if 0 < len(katakana) <= MAX_KANA_CHARS:
                for f in fields:
                    boost = self.settings.reading_boost * (
                        self.settings.title_boost if f == "title" else 1.0
                    )
                    for spelled in segment_reading(katakana, f, self.reader, self.readings):
                        options.append(Spelled(f, spelled, boost))
                        if marks is not None:
                            marks.setdefault(f, set()).add(spelled)
        return options


def _any(options: list[Plan]) -> Plan | None:
    if not options:
        return None
    return options[0] if len(options) == 1 else AnyOf(tuple(options))


def _drops_pieces(text: str, units: list) -> bool:
    """True when the analysis left characters of ``text`` (other than spaces) uncovered."""
    covered = [False] * len(text)
    for _, _, start, end in units:
        for k in range(start, min(end, len(text))):
            covered[k] = True
    return any(not covered[k] and not text[k].isspace() for k in range(len(text)))


def segment_reading(
    katakana: str, field: str, reader, readings: ReadingLexicon
) -> list[tuple[tuple[str, ...], ...]]:
    """Ways to write ``katakana`` as readings whose terms occur in ``field``, each as the terms
    that may stand for each piece: the way with the fewest pieces, and when that is a single
    reading (a compound's), also the fewest with two or more pieces (its parts, as a longer
    compound in another post holds them). Empty when there is none."""
    n = len(katakana)
    known: dict[tuple[int, int], tuple[str, ...]] = {}
    prefetch = getattr(reader, "prefetch", None)
    if prefetch is not None:
        # A lexicon that asks a cluster (OpenSearch) learns every candidate term in one request.
        prefetch(
            field,
            {
                t
                for i in range(n)
                for j in range(i + 1, n + 1)
                for t in readings.terms(katakana[i:j])
            },
        )

    def terms(i: int, j: int) -> tuple[str, ...]:
        key = (i, j)
        found = known.get(key)
        if found is None:
            held = [t for t in readings.terms(katakana[i:j]) if (field, t) in reader]
            if len(held) > MAX_READING_TERMS:
                held.sort(key=lambda t: -reader.doc_frequency(field, t))
                held = sorted(held[:MAX_READING_TERMS])
            found = known[key] = tuple(held)
        return found

    def best(max_len: int) -> tuple[tuple[str, ...], ...] | None:
        # cost[i]: fewest pieces for katakana[i:]; choice[i]: end of the first piece
        inf = n + 1
        cost = [0] * (n + 1)
        choice = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            cost[i] = inf
            for j in range(min(n, i + max_len), i, -1):
                if cost[j] + 1 < cost[i] and terms(i, j):
                    cost[i] = cost[j] + 1
                    choice[i] = j
        if cost[0] >= inf:
            return None
        pieces, i = [], 0
        while i < n:
            pieces.append(terms(i, choice[i]))
            i = choice[i]
        return tuple(pieces)

    out = []
    whole = best(n)
    if whole is not None:
        out.append(whole)
        if len(whole) == 1 and n > 1:
            parts = best(n - 1)
            if parts is not None:
                out.append(parts)
    return out
