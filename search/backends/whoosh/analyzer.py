"""The Whoosh side of the analysis: :mod:`search.analysis`'s units as a Whoosh tokenizer.

:func:`japanese_analyzer` builds the chain the Whoosh schema indexes ``title`` and ``body`` with;
its tokens are :meth:`search.analysis.Morphology.units`, unchanged, so the Whoosh index holds the
same terms, positions and offsets as any other backend gets from
:func:`search.backend.analyse_post`.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

import search.analysis as _analysis
from search.analysis import morphology


class UnitToken(Token):
    """Whoosh's :class:`~whoosh.analysis.Token` with the attributes this tokenizer sets in slots.

    A plain ``Token`` keeps everything in its ``__dict__``, which Whoosh's constructor fills with
    keyword arguments; stores into that dictionary are several times slower than slot stores, and
    the tokenizer makes six of them for every unit.
    """

    __slots__ = ("text", "pos", "startchar", "endchar", "reading", "unit")

    def _slots(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__ if hasattr(self, name)}

    def copy(self) -> UnitToken:
        token = UnitToken(**self.__dict__)
        for name, value in self._slots().items():
            setattr(token, name, value)
        return token

    def __repr__(self) -> str:
        fields = {**self.__dict__, **self._slots()}
        return f"UnitToken({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


class SudachiTokenizer(Tokenizer):
    """Whoosh tokenizer over :class:`Morphology` units.

    Each token carries ``unit`` (``W``, ``C`` or ``A``) and ``reading`` besides the usual
    attributes. It holds no dictionary, so it pickles to almost nothing.
    """

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        t = UnitToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        units = morphology().units(value)
        if positions and chars and not keeporiginal and not start_pos and not start_char:
            # The indexing path: no per-token branches.
            for t.pos, t.startchar, t.endchar, t.text, t.reading, t.unit in units:
                yield t
            return
        for pos, start, end, term, reading, unit in units:
            t.text = term
            t.reading = reading
            t.unit = unit
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


def japanese_analyzer() -> SudachiTokenizer:
    """The analysis chain of ``title`` and ``body``: the units as they are."""
    return SudachiTokenizer()


# Whoosh pickles the schema, analyzer classes included, into every index's table of contents.
# Indexes written before the backend seam name these classes as attributes of search.analysis:
# keep those names resolvable, so such an index keeps serving until ``update`` rebuilds it (its
# schema version is older). An index older still names ``ReadingFilter``, which is gone: opening
# it fails with the rebuild message of :func:`.live.open_index`.
for _cls in (UnitToken, SudachiTokenizer):
    setattr(_analysis, _cls.__name__, _cls)
del _cls
