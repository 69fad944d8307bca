"""``policy-search search``: the same results as the API, on the command line."""

import json

import pytest
from click.testing import CliRunner

from web.cli import main


@pytest.fixture
def run(index_root):
    def invoke(*args):
        return CliRunner().invoke(main, ["search", "--index", str(index_root), *args])
    return invoke


def without_timing(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "took_ms"}


@pytest.mark.parametrize(("args", "params"), [
    (["介護"], {"q": "介護"}),
    (["介護", "OR", "福祉"], {"q": "介護 OR 福祉"}),
    (["わじまし"], {"q": "わじまし"}),
    (["--category", "子ども", "--category", "介護", "--from", "2021-01-01"],
     {"category": ["子ども", "介護"], "from": "2021-01-01"}),
    (["--sort", "date_asc", "--page", "2", "--per-page", "5"],
     {"sort": "date_asc", "page": "2", "per_page": "5"}),
    (["--", "-コロナ"], {"q": "-コロナ"}),
    ([], {}),
])
def test_json_is_the_api_answer(run, client, args, params):
    result = run("--json", *args)
    assert result.exit_code == 0, result.output
    api = client.get("/api/search", query_string=params).get_json()
    assert without_timing(json.loads(result.output)) == without_timing(api)


def test_text_output(run):
    result = run("付属")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("1件（1–1件目）")
    assert lines[1:] == [
        "",
        "2020-05-20  [行政]  審議会の附属機関について",
        "  fuzoku-kikan  https://example.jp/posts/fuzoku-kikan",
        "  社会保障審議会の附属機関として専門部会を置くことが決まった。部会の委員は二十名である。",
    ]


def test_text_output_unescapes_markup(run):
    result = run("alert")
    assert "<script>alert(1)</script> を含む投稿" in result.output
    assert "&lt;" not in result.output


def test_no_hits(run):
    result = run("存在しない語彙")
    assert (result.exit_code, result.output.splitlines()[0].split()[0]) == (0, "0件")


@pytest.mark.parametrize(("args", "message"), [
    (["--page", "0", "x"], "Error: Invalid value for '--page': 0 is not in the range 1<=x<=10000."),
    (["--page", "x"], "Error: Invalid value for '--page': 'x' is not a valid integer range."),
    (["--from", "2021-01-01", "--to", "2020-01-01"],
     "Error: to: from (2021-01-01) must not be after to (2020-01-01)"),
    (["--from", "2020-13-01"], "Error: from: from must be a date written YYYY-MM-DD, got '2020-13-01'"),
    (["--per-page", "500"], "Error: per_page: per_page must be an integer from 1 to 100, got '500'"),
    (["あ" * 5001], "Error: q: q is 5001 characters long; at most 5000 are allowed"),
    (["--sort", "newest"], "Error: Invalid value for '--sort'"),
])
def test_bad_arguments(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_index(tmp_path):
    result = CliRunner().invoke(main, ["search", "--index", str(tmp_path / "none"), "介護"])
    assert result.exit_code == 1
    assert result.output == f"Error: no index has been built under {tmp_path / 'none'} yet\n"


def test_an_unknown_backend_is_one_line_with_the_fix(index_root, monkeypatch):
    monkeypatch.setenv("POLICY_SEARCH_BACKEND", "solr")
    for args in (["search", "--index", str(index_root), "介護"], ["stats", "--index", str(index_root)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert result.stderr == ("Error: unknown backend 'solr': set POLICY_SEARCH_BACKEND to one "
                                 "of whoosh, opensearch\n")
