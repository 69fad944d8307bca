"""A Whoosh segment writer with a lean path for the Japanese text fields.

:class:`LeanWriter` writes the same segment as :class:`whoosh.writing.SegmentWriter` (the tests
compare the two posting by posting), but faster:

* For a field whose analyzer is :func:`search.analysis.japanese_analyzer` (plain or reading) and
  whose format is :class:`whoosh.formats.Characters`, the postings are built straight from
  :meth:`Morphology.units <search.analysis.Morphology.units>`, the analyzer's own source, in one
  loop that serves the term field and its reading field together (``body`` and ``body_yomi``
  share one Sudachi run and one pass). No Token objects, no generator chain.
* Postings are kept per field and term, already in document order, so the flush sorts the
  distinct terms only instead of every posting, and nothing spills to temporary runs.
* The flush reads field lengths from a table kept while adding, not from the length column.

Any other field goes through the field's own ``index`` method, exactly as Whoosh does it.
"""

from __future__ import annotations

from whoosh.formats import Characters
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.analysis import japanese_analyzer, morphology

_TERM, _READING = japanese_analyzer(), japanese_analyzer(reading=True)


class LeanWriter(SegmentWriter):
    """Writes one new segment; use :meth:`finish` (not ``commit``) to close it."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        # field name -> term bytes -> flat [docnum, weight, value, docnum, weight, value, ...]
        self._postings: dict[str, dict[bytes, list]] = {}
        # field name -> per-document lengths, as the codec will read them back
        self._lengths: dict[str, list] = {}
        self._lean: dict[str, bool] = {}
        for name, field in self.schema.items():
            if field.indexed and type(field.format) is Characters:
                if field.analyzer == _TERM:
                    self._lean[name] = False
                elif field.analyzer == _READING:
                    self._lean[name] = True
        self.postings_count = 0
        self._weights = {}

    def add_document(self, **fields) -> None:
        self._check_state()
        if any(name.startswith("_") for name in fields):
            raise ValueError("LeanWriter does not take boosts or custom stored values")
        schema = self.schema
        self._check_fields(schema, fields)
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        per_value: dict[int, tuple[dict, dict]] = {}
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    reading = self._lean.get(fieldname)
                    if reading is None:
                        items = field.index(value)
                    else:
                        pair = per_value.get(id(value))
                        if pair is None:
                            pair = per_value[id(value)] = _positions(value)
                        items = self._encode(field, pair[1] if reading else pair[0])
                    length = self._add_postings(fieldname, docnum, items, field.scorable)
                sv = value if field.stored else None
                perdocwriter.add_field(fieldname, field, sv, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except BaseException:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _encode(self, field, seen: dict[str, list]):
        encode = field.format.encode
        boost = field.format.field_boost
        for text, poslist in seen.items():
            yield text.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)

    def _add_postings(self, fieldname: str, docnum: int, items, scorable: bool) -> int:
        terms = self._postings.get(fieldname)
        if terms is None:
            terms = self._postings[fieldname] = {}
        weights = self._weights
        length = 0
        count = 0
        for tbytes, freq, weight, vbytes in items:
            # One float object per distinct weight keeps the memory down.
            weight = weights.setdefault(weight, float(weight))
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = [docnum, weight, vbytes]
            else:
                postings += (docnum, weight, vbytes)
            length += freq
            count += 1
        self.postings_count += count
        if not scorable:
            length = 0
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = self._lengths[fieldname] = []
        lengths.extend([None] * (docnum - len(lengths)))
        lbyte = length_to_byte(length) if length else 0
        lengths.append(byte_to_length(lbyte) if lbyte else None)
        return length

    def _sorted_postings(self):
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            for tbytes in sorted(terms):
                postings = terms[tbytes]
                for i in range(0, len(postings), 3):
                    yield fieldname, tbytes, postings[i], postings[i + 1], postings[i + 2]

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self._lengths) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self._sorted_postings())
        self.fieldwriter.close()
        self._postings.clear()

    def finish(self):
        """Close the segment's files and return the segment (None if nothing was added); the
        index's table of contents is left alone: the caller commits the segments it collects."""
        if not self._added:
            self._close_segment()
            return None
        return self._finalize_segment()


class _Lengths:
    """What ``FieldWriter.add_postings`` asks of a per-document reader, from a table in memory."""

    def __init__(self, table: dict[str, list]) -> None:
        self._table = table

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self._table.get(fieldname)
        if lengths is None:
            return default
        return lengths[docnum] if docnum < len(lengths) else None


def _positions(value: str) -> tuple[dict[str, list], dict[str, list]]:
    """``(term -> [(pos, start, end), ...], reading -> [...])`` for one text, in token order: what
    ``Characters.word_values`` collects from the analyzer, plain and through ``ReadingFilter``."""
    terms: dict[str, list] = {}
    readings: dict[str, list] = {}
    for pos, start, end, term, reading, _kind in morphology().units(value):
        entry = (pos, start, end)
        found = terms.get(term)
        if found is None:
            terms[term] = [entry]
        else:
            found.append(entry)
        if reading:
            found = readings.get(reading)
            if found is None:
                readings[reading] = [entry]
            else:
                found.append(entry)
    return terms, readings
