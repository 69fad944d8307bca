"""Search backends, one package each, behind the seam of :mod:`search.backend`.

``whoosh/`` (the embedded default) and ``opensearch/`` (a cluster). Each package exposes
``create(settings) -> search.backend.Backend`` and is the only code that imports its library.
"""
