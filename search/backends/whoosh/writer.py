"""A Whoosh segment writer with a lean path for the Japanese text fields.

:class:`LeanWriter` writes the segment :class:`whoosh.writing.SegmentWriter` writes, faster. With
``exact=True`` the files are the same byte for byte. By default three things differ that a reader
cannot tell apart: posting blocks whose pickle is under 256 bytes are stored uncompressed
(:data:`MIN_COMPRESS`), and the others, like the stored fields, are compressed by ISA-L's deflate
(``isal``), which makes standard zlib streams faster than zlib itself, at a few per cent more
bytes (docs/indexing.md); and block data is pickled with protocol 4 (:data:`BLOCK_PROTOCOL`).
Whoosh's reader decompresses them with ``zlib`` as ever. ``tests/indexer/test_writer.py`` checks
both modes. What it does differently:

* For a field whose analyzer is :func:`search.analysis.japanese_analyzer` and whose format is
  :class:`whoosh.formats.Characters`, the postings are built straight from
  :meth:`Morphology.units <search.analysis.Morphology.units>`, the analyzer's own source, in one
  loop over the units. No Token objects, no generator chain.
* Postings are kept per field and term, already in document order: no posting pool, no sort of
  every posting (only of the distinct terms), no temporary runs on disk.
* The flush writes each term's blocks and its term record in one go, with field lengths from a
  table kept while adding, instead of a dozen method calls per posting and per block.

Any other field goes through the field's own ``index`` method, exactly as Whoosh does it.
"""

from __future__ import annotations

import zlib
from array import array
from operator import sub
from pickle import dumps

from isal import isal_zlib
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.columns import CompressedBytesColumn
from whoosh.filedb.filetables import _lengths as _HASH_LENGTHS
from whoosh.formats import Characters
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.analysis import morphology

from .analyzer import japanese_analyzer

_TERM = japanese_analyzer()
_ONE = pack_uint(1)
#: Posting blocks whose pickle is shorter than this are stored without zlib. zlib pays a fixed
#: cost on any call (setting up its state) to save a few bytes on such a block, or to add some;
#: each block's header records the compression used and Whoosh's reader follows it. (Whoosh meant
#: to skip blocks under 20 bytes; its ``_write_block`` computes that and then overwrites it.)
MIN_COMPRESS = 256
#: ISA-L's compression level for posting blocks (0–3): on the white-paper posts level 2 is as fast
#: as level 1 and a little smaller (docs/indexing.md has the figures).
ISAL_LEVEL = 2
#: Pickle protocol of a posting block's data (ids, weights, values). Whoosh uses protocol 2, which
#: has no opcode for bytes: each posting value becomes a call of ``_codecs.encode`` on a latin-1
#: string, much slower to write (and to read) than protocol 4's length-prefixed bytes, and larger
#: after deflate (docs/indexing.md). Whoosh's reader unpickles any protocol.
BLOCK_PROTOCOL = 4
#: Values remembered per field by ``LeanWriter._index``.
MEMO_VALUES = 4096
#: Stands for "no length" in the per-document table of a block's minimum field length.
_NO_LENGTH = 1 << 62


def _isal_compress(data: bytes, level: int) -> bytes:
    """A standard zlib stream of ``data`` (the codec's ``level`` is what the block header records;
    ISA-L compresses at :data:`ISAL_LEVEL`)."""
    return isal_zlib.compress(data, ISAL_LEVEL)


class LeanWriter(SegmentWriter):
    """Writes one new segment; use :meth:`finish` (not ``commit``) to close it."""

    def __init__(self, ix, exact: bool = False, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        # exact: zlib on every block, as Whoosh does; else small blocks stay raw and ISA-L deflates
        self.min_compress = 0 if exact else MIN_COMPRESS
        self._compress = zlib.compress if exact else _isal_compress
        self._protocol = 2 if exact else BLOCK_PROTOCOL
        if not exact:
            # Stored fields: Whoosh deflates each document's pickle with zlib; ISA-L makes the
            # same kind of stream (the column's reader inflates it with zlib).
            stored = getattr(self.perdocwriter, "_colwriters", {}).get("_stored")
            child = getattr(stored, "_child", None)
            if isinstance(child, CompressedBytesColumn.Writer):
                child._compress = _isal_compress
        # field name -> term (str in lean fields, else bytes) -> flat [docnum, weight, value, ...]
        self._postings: dict[str, dict[bytes, list]] = {}
        # field name -> per-document lengths, as the codec will read them back
        self._lengths: dict[str, list] = {}
        self._lean = {
            name
            for name, field in self.schema.items()
            if field.indexed and type(field.format) is Characters and field.analyzer == _TERM
        }
        self.postings_count = 0
        self._weights: dict = {}
        self._memo: dict[str, dict] = {}

    def add_document(self, **fields) -> None:
        self._check_state()
        if any(name.startswith("_") for name in fields):
            raise ValueError("LeanWriter does not take boosts or custom stored values")
        schema = self.schema
        self._check_fields(schema, fields)
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    if fieldname in self._lean:
                        length = self._add_positions(fieldname, docnum, field, _deltas(value))
                    else:
                        length = self._add_items(
                            fieldname, docnum, self._index(fieldname, field, value)
                        )
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

    def _terms(self, fieldname: str) -> dict:
        terms = self._postings.get(fieldname)
        if terms is None:
            terms = self._postings[fieldname] = {}
        return terms

    def _add_positions(self, fieldname: str, docnum: int, field, seen: dict[str, list]) -> int:
        """Postings of a lean field from :func:`_deltas`: ``Characters.word_values`` and
        ``encode`` in one pass. Terms stay ``str`` until the flush encodes each distinct one."""
        terms = self._terms(fieldname)
        boost = field.format.field_boost
        weights = self._weights
        length = 0
        for text, found in seen.items():
            freq = len(found) - 2
            length += freq
            # One float object per distinct weight keeps the memory down.
            weight = weights.get(freq * boost)
            if weight is None:
                weight = weights[freq * boost] = float(freq * boost)
            value = (_ONE if freq == 1 else pack_uint(freq)) + dumps(found[2:], 2)
            postings = terms.get(text)
            if postings is None:
                terms[text] = [docnum, weight, value]
            else:
                postings += (docnum, weight, value)
        self.postings_count += len(seen)
        return length

    def _index(self, fieldname: str, field, value) -> list:
        """``field.index(value)``, remembered per field for values seen before: categories and
        dates repeat from post to post, and an analyzer's output depends on the value alone. At
        most :data:`MEMO_VALUES` values per field are kept."""
        memo = self._memo.get(fieldname)
        if memo is None:
            memo = self._memo[fieldname] = {}
        key = (type(value), value)
        try:
            items = memo.get(key)
        except TypeError:  # an unhashable value (a list of keywords, say) is not remembered
            return list(field.index(value))
        if items is None:
            items = list(field.index(value))
            if len(memo) < MEMO_VALUES:
                memo[key] = items
        return items

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
        compressed, see :class:`LeanWriter`) data tuple, then the term's info record."""
        fw = self.fieldwriter
        postfile = fw._postfile
        # StructFile.write only passes its argument on: call the file's own write directly.
        write_blocks = postfile.file.write
        terms_table = _TermTable(fw._tindex)
        pack_info = W3TermInfo._struct.pack
        table = self._lengths if self.codec.length_stats else {}
        min_compress, compress, protocol = self.min_compress, self._compress, self._protocol
        doc_count = self.docnum
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            field = self.schema[fieldname]
            fw.start_field(fieldname, field)
            limit, level = fw._postwriter._blocklimit, fw._postwriter._compression
            prefix = pack_ushort(fw._fieldid)
            fixed = field.format.fixed_value_size()
            all_values = fieldname in self._lean  # a Characters value is never empty
            # Per document: the field length for a block's minimum (_NO_LENGTH when it has none)
            # and for its maximum (0 when it has none), indexable by document number.
            lengths = table.get(fieldname, [])
            padding = doc_count - len(lengths)
            min_of = [n or _NO_LENGTH for n in lengths] + [_NO_LENGTH] * padding
            max_of = [n or 0 for n in lengths] + [0] * padding
            offset = postfile.tell()
            # Lean fields keep str terms: UTF-8 sorts as code points do, so one sort serves both.
            for term in sorted(terms):
                flat = terms[term]
                tbytes = term if isinstance(term, bytes) else term.encode("utf-8")
                docnums, weights, values = flat[0::3], flat[1::3], flat[2::3]
                count = len(docnums)
                parts = [WHOOSH3_HEADER_MAGIC]
                total, maxlength, maxweight = 0, 0, 0
                minlength: int | None = None
                for start in range(0, count, limit):
                    end = min(count, start + limit)
                    if end - start == count:
                        ids, block_weights, block_values = docnums, weights, values
                    else:
                        ids, block_weights = docnums[start:end], weights[start:end]
                        block_values = values[start:end]
                    stored_weights = array("f", block_weights)
                    top = max(block_weights)
                    block_maxweight = top if top > 0 else 0  # max(0, *weights), as Whoosh has it
                    block_min = min(map(min_of.__getitem__, ids))
                    if block_min == _NO_LENGTH:
                        block_min = None
                    block_max = max(map(max_of.__getitem__, ids))
                    total += sum(stored_weights)
                    minlength = block_min if minlength is None else min(minlength, block_min)
                    maxlength, maxweight = (
                        max(maxlength, block_max),
                        max(maxweight, block_maxweight),
                    )
                    deltas = tuple(map(sub, ids, [0, *ids[:-1]]))  # whoosh's delta_encode
                    if not all_values:
                        block_values = [v for v in block_values if v]
                    data = dumps(
                        (deltas, _mini_weights(stored_weights), _mini_values(block_values, fixed)),
                        protocol,
                    )
                    compression = level if len(data) >= min_compress else 0
                    if compression:
                        data = compress(data, compression)
                    info = dumps(
                        (
                            end - start,
                            ids[-1],
                            block_maxweight,
                            compression,
                            length_to_byte(block_min),
                            length_to_byte(block_max),
                        ),
                        2,
                    )
                    size = len(info) + len(data)
                    parts += (
                        pack_int(-size if end == count else size),
                        info,
                        data,
                    )  # <0: last block
                blocks = b"".join(parts)
                write_blocks(blocks)
                record = pack_info(
                    False,
                    total,
                    count,
                    0 if minlength is None else length_to_byte(minlength),
                    length_to_byte(maxlength),
                    maxweight,
                    docnums[0],
                    docnums[-1],
                )
                terms_table.add(prefix + tbytes, record + pack_long(offset) + pack_int(len(blocks)))
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
    count = len(weights)
    if weights.count(1.0) == count:
        return None
    if weights.count(weights[0]) == count:
        return weights[0]
    return tuple(weights)


class _TermTable:
    """Adds term records to Whoosh's ``OrderedHashWriter`` as its ``add`` does (the same bytes,
    hashes, buckets and key index), with one write per record and the file position counted
    instead of asked for."""

    def __init__(self, writer) -> None:
        self._writer = writer
        self._write = writer.dbfile.file.write  # past StructFile.write, a plain pass-through
        self._position = writer.dbfile.tell()

    def add(self, key: bytes, value: bytes) -> None:
        """One record; keys must come in increasing order, as ``OrderedHashWriter`` requires."""
        writer = self._writer
        position = self._position
        writer.index.append(position)
        hashed = writer.hashfn(key)
        writer.buckets[hashed & 255].append((hashed, position))
        record = _HASH_LENGTHS.pack(len(key), len(value)) + key + value
        self._write(record)
        self._position = position + len(record)
        writer.lastkey = key


def _mini_values(values, fixed: int | None):
    """``W3PostingsWriter._mini_values`` for a format whose values are ``fixed`` bytes long."""
    if fixed is None or fixed < 0:
        return tuple(values)
    return None if fixed == 0 else b"".join(values)


def _deltas(value: str) -> dict[str, list]:
    """``term -> [last pos, last end, delta, delta, ...]`` for one text.

    The deltas are what ``Characters.encode`` pickles, ``(pos - last pos, start - last end,
    end - start)`` for each occurrence in token order, collected as the analyzer's units go by
    instead of in a second pass per term."""
    terms: dict[str, list] = {}
    for pos, start, end, term, _reading, _kind in morphology().units(value):
        found = terms.get(term)
        if found is None:
            terms[term] = [pos, end, (pos, start, end - start)]
        else:
            found.append((pos - found[0], start - found[1], end - start))
            found[0] = pos
            found[1] = end
    return terms
