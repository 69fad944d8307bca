"""policy-search beside the engines a site would pick instead, on the same posts, in one run.

``python -m benchmarks.compare`` builds every engine at several corpus sizes, times builds and
queries, measures memory and disk, grades the rankings against the judgments of
``queries.toml`` and writes ``docs/benchmarks.md`` with its plots. See ``docs/benchmarks.md``.
"""
