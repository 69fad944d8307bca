"""The Whoosh backend (the embedded default): the only package that imports ``whoosh``.

* :mod:`.backend` — :class:`WhooshBackend`, the :class:`search.backend.Backend` of this package;
* :mod:`.live` — leases on the newest published generation, per-document arrays, result cache;
* :mod:`.engine` — plans evaluated on posting lists (BM25F);
* :mod:`.schema`, :mod:`.analyzer` — the Whoosh fields and the tokenizer over Sudachi's units;
* :mod:`.segments`, :mod:`.writer` — posts analysed and written into segments by worker
  processes, and the table of contents that commits them.
"""

from .backend import WhooshBackend, create

__all__ = ["WhooshBackend", "create"]
