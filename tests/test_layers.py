"""One-way layers: web → search (and indexer), indexer → search; search imports neither."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "search": {"flask", "werkzeug", "waitress", "click", "web", "indexer"},
    "indexer": {"flask", "werkzeug", "waitress", "web"},
}


def imported_modules(path):
    tree = ast.parse(path.read_text("utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upper_layers(package):
    bad = sorted({f"{p.relative_to(ROOT)} imports {m}"
                  for p in (ROOT / package).rglob("*.py")
                  for m in imported_modules(p) if m in FORBIDDEN[package]})
    assert bad == []


def test_the_check_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom web.app import create_app\n")
    assert sorted(imported_modules(bad)) == ["flask", "web"]
