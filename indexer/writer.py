"""A Whoosh segment writer with a lean path for the Japanese text fields.

:class:`LeanWriter` writes the segment :class:`whoosh.writing.SegmentWriter` writes, faster. With
``min_compress=0`` the files are the same byte for byte; by default posting blocks whose pickle is
under 256 bytes are stored without zlib (:data:`MIN_COMPRESS`), which a reader cannot tell apart.
``tests/indexer/test_writer.py`` checks both. What it does differently:

* For a field whose analyzer is :func:`search.analysis.japanese_analyzer` (plain or reading) and
  whose format is :class:`whoosh.formats.Characters`, the postings are built straight from
  :meth:`Morphology.units <search.analysis.Morphology.units>`, the analyzer's own source, in one
  loop that serves the term field and its reading field together (``body`` and ``body_yomi``
  share one Sudachi run and one pass). No Token objects, no generator chain.
* Postings are kept per field and term, already in document order: no posting pool, no sort of
  every posting (only of the distinct terms), no temporary runs on disk.
* The flush writes each term's blocks and its term record in one go, with field lengths from a
  table kept while adding, instead of a dozen method calls per posting and per block.

Any other field goes through the field's own ``index`` method, exactly as Whoosh does it.
"""

from __future__ import annotations

import zlib
from array import array
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.formats import Characters
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode
from whoosh.writing import SegmentWriter

from search.analysis import japanese_analyzer, morphology

_TERM, _READING = japanese_analyzer(), japanese_analyzer(reading=True)
_ONE = pack_uint(1)
#: Posting blocks whose pickle is shorter than this are stored without zlib. zlib spends about
#: 17 µs on any call (setting up its state) to save a few bytes on such a block, or to add some;
#: each block's header records the compression used and Whoosh's reader follows it. (Whoosh meant
#: to skip blocks under 20 bytes; its ``_write_block`` computes that and then overwrites it.)
MIN_COMPRESS = 256


class LeanWriter(SegmentWriter):
    """Writes one new segment; use :meth:`finish` (not ``commit``) to close it."""

    def __init__(self, ix, min_compress: int = MIN_COMPRESS, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.min_compress = min_compress
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
                        length = self._add_items(fieldname, docnum, field.index(value))
                    else:
                        pair = per_value.get(id(value))
                        if pair is None:
                            pair = per_value[id(value)] = _positions(value)
                        length = self._add_positions(fieldname, docnum, field, pair[1] if reading else pair[0])
                    if not field.scorable:
                        length = 0
                    self._set_length(fieldname, docnum, length)
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

    def _terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self._postings.get(fieldname)
        if terms is None:
            terms = self._postings[fieldname] = {}
        return terms

    def _add_positions(self, fieldname: str, docnum: int, field, seen: dict[str, list]) -> int:
        """Postings of a lean field: ``Characters.word_values`` and ``encode``, one pass."""
        terms = self._terms(fieldname)
        encode = field.format.encode
        boost = field.format.field_boost
        weights = self._weights
        length = 0
        for text, poslist in seen.items():
            freq = len(poslist)
            length += freq
            # One float object per distinct weight keeps the memory down.
            weight = weights.get(freq * boost)
            if weight is None:
                weight = weights[freq * boost] = float(freq * boost)
            if freq == 1:
                # Most terms occur once in a post: Characters.encode of one (pos, start, end).
                pos, start, end = poslist[0]
                value = _ONE + dumps([(pos, start, end - start)], 2)
            else:
                value = encode(poslist)
            tbytes = text.encode("utf-8")
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = [docnum, weight, value]
            else:
                postings += (docnum, weight, value)
        self.postings_count += len(seen)
        return length

    def _add_items(self, fieldname: str, docnum: int, items) -> int:
        """Postings of any other field, from ``field.index(value)`` as Whoosh does it."""
        terms = self._terms(fieldname)
        weights = self._weights
        length = 0
        for tbytes, freq, weight, vbytes in items:
            weight = weights.setdefault(weight, float(weight))
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = [docnum, weight, vbytes]
            else:
                postings += (docnum, weight, vbytes)
            length += freq
            self.postings_count += 1
        return length

    def _set_length(self, fieldname: str, docnum: int, length: int) -> None:
        """Remember the field length as the codec will read it back (quantized to a byte)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = self._lengths[fieldname] = []
        lengths.extend([None] * (docnum - len(lengths)))
        lbyte = length_to_byte(length) if length else 0
        lengths.append(byte_to_length(lbyte) if lbyte else None)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        self._write_postings()
        self.fieldwriter.close()
        self._postings.clear()

    def _write_postings(self) -> None:
        """The segment's posting lists and term table, byte for byte as Whoosh's ``W3FieldWriter``
        and ``W3PostingsWriter`` write them (``add_postings``, ``start_term``, ``add_posting``,
        ``_write_block``, ``finish_term``), but a term at a time instead of a posting at a time:
        blocks of up to ``blocklimit`` postings, each a pickled info tuple and a pickled (and
        above ``min_compress`` bytes, zlib-compressed) data tuple, then the term's info record."""
        fw = self.fieldwriter
        postfile = fw._postfile
        add_term = fw._tindex.add
        pack_info = W3TermInfo._struct.pack
        table = self._lengths if self.codec.length_stats else {}
        min_compress = self.min_compress
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            field = self.schema[fieldname]
            fw.start_field(fieldname, field)
            limit, level = fw._postwriter._blocklimit, fw._postwriter._compression
            prefix = pack_ushort(fw._fieldid)
            fixed = field.format.fixed_value_size()
            lengths = table.get(fieldname, [])
            known = len(lengths)
            offset = postfile.tell()
            for tbytes in sorted(terms):
                flat = terms[tbytes]
                docnums, weights, values = flat[0::3], flat[1::3], flat[2::3]
                count = len(docnums)
                parts = [WHOOSH3_HEADER_MAGIC]
                total, minlength, maxlength, maxweight = 0, None, 0, 0
                for start in range(0, count, limit):
                    end = min(count, start + limit)
                    ids = docnums[start:end]
                    stored_weights = array("f", weights[start:end])
                    block_maxweight = max(0, *weights[start:end])
                    lens = [n for n in (lengths[d] for d in ids if d < known) if n]
                    block_min, block_max = (min(lens), max(lens)) if lens else (None, 0)
                    total += sum(stored_weights)
                    minlength = block_min if minlength is None else min(minlength, block_min)
                    maxlength, maxweight = max(maxlength, block_max), max(maxweight, block_maxweight)
                    data = dumps((tuple(delta_encode(ids)), _mini_weights(stored_weights),
                                  _mini_values([v for v in values[start:end] if v], fixed)), 2)
                    compression = level if len(data) >= min_compress else 0
                    if compression:
                        data = zlib.compress(data, compression)
                    info = dumps((end - start, ids[-1], block_maxweight, compression,
                                  length_to_byte(block_min), length_to_byte(block_max)), 2)
                    size = len(info) + len(data)
                    parts += (pack_int(-size if end == count else size), info, data)  # <0: last block
                blocks = b"".join(parts)
                postfile.write(blocks)
                record = pack_info(False, total, count, 0 if minlength is None else length_to_byte(minlength),
                                   length_to_byte(maxlength), maxweight, docnums[0], docnums[-1])
                add_term(prefix + tbytes, record + pack_long(offset) + pack_int(len(blocks)))
                offset += len(blocks)
            fw.finish_field()

    def finish(self):
        """Close the segment's files and return the segment (None if nothing was added); the
        index's table of contents is left alone: the caller commits the segments it collects."""
        if not self._added:
            self._close_segment()
            return None
        return self._finalize_segment()


def _mini_weights(weights: array):
    """``W3PostingsWriter._mini_weights``: None when all are 1, one value when all are equal."""
    if all(w == 1.0 for w in weights):
        return None
    if all(w == weights[0] for w in weights):
        return weights[0]
    return tuple(weights)


def _mini_values(values: list[bytes], fixed: int | None):
    """``W3PostingsWriter._mini_values`` for a format whose values are ``fixed`` bytes long."""
    if fixed is None or fixed < 0:
        return tuple(values)
    return None if fixed == 0 else b"".join(values)


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
