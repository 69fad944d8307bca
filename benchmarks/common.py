"""What the benchmarks share: where ``../shared``'s white paper and the results are, options
from a table, the skip when ``../shared`` is absent, and writing a result file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHITEPAPER = ROOT.parent / "shared" / "corpora" / "whitepaper"
#: Every post of the white paper, and the 1,000-post sample.
CORPUS = WHITEPAPER / "posts.jsonl"
SAMPLE = WHITEPAPER / "sample-1000.jsonl"
OUT = ROOT / "benchmarks" / "out"


def arguments(doc: str, argv: list[str] | None, **defaults: object) -> argparse.Namespace:
    """``argv`` parsed for one ``--name`` option per keyword (``--profile-posts`` for
    ``profile_posts``), of its default's type."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser.parse_args(argv)


def absent(path: Path) -> bool:
    """Whether ``path`` is missing (``../shared`` is not beside the checkout); if so, says that
    the benchmark is skipped."""
    if path.exists():
        return False
    print(f"skipped: {path} not found (../shared is absent)")
    return True


def save(result: object, path: Path) -> None:
    """Write ``result`` to ``path`` as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
