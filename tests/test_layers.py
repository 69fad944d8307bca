"""One-way layers: web → search (and indexer), indexer → search; search imports neither. One
owner per backend library: only ``search/backends/<name>/`` imports it."""

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


#: Backend libraries, and the one package allowed to import each.
BACKEND_LIBRARIES = {
    "whoosh": "search/backends/whoosh",
    "opensearchpy": "search/backends/opensearch",
}
#: The packages of the product (tests and benchmarks may use a library directly to check it).
PRODUCT = ("search", "indexer", "web")


def backend_violations(root: Path) -> list[str]:
    """Modules under ``root``'s product packages that import a backend library outside its
    package."""
    bad = set()
    for package in PRODUCT:
        for path in (root / package).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            for module in imported_modules(path):
                owner = BACKEND_LIBRARIES.get(module)
                if owner is not None and not relative.startswith(owner + "/"):
                    bad.add(f"{relative} imports {module}")
    return sorted(bad)


def test_only_a_backend_package_imports_its_library():
    assert backend_violations(ROOT) == []


def test_the_backend_check_sees_a_violation(tmp_path):
    for relative, text in {
        "search/plan.py": "from whoosh.query import Term\n",
        "indexer/build.py": "import opensearchpy\n",
        "search/backends/whoosh/engine.py": "import whoosh\nfrom opensearchpy import OpenSearch\n",
        "search/backends/opensearch/client.py": "from opensearchpy import OpenSearch\n",
        "search/backends/whooshy/x.py": "import whoosh\n",
        "web/app.py": "import flask\n",
    }.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert backend_violations(tmp_path) == [
        "indexer/build.py imports opensearchpy",
        "search/backends/whoosh/engine.py imports opensearchpy",
        "search/backends/whooshy/x.py imports whoosh",
        "search/plan.py imports whoosh",
    ]


def test_the_check_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom web.app import create_app\n")
    assert sorted(imported_modules(bad)) == ["flask", "web"]
