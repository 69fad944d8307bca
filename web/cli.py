"""The ``policy-search`` command: one click group gathering the indexer's and the web's commands."""

from __future__ import annotations

import click

from indexer.cli import COMMANDS as INDEXER_COMMANDS
from indexer.sync.command import sync_command
from search.contract import SearchResponse
from search.request import MAX_PAGE, SORTS

INDEX_HELP = "Index root (default: $POLICY_SEARCH_INDEX or var/index)."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policy-search")
def main() -> None:
    """Full-text search for Japanese policy posts."""


for _command in INDEXER_COMMANDS:
    main.add_command(_command)
main.add_command(sync_command)


def _settings(index: str | None):
    from pathlib import Path

    from search import Settings

    try:
        return Settings.from_env(index_dir=Path(index) if index else None)
    except ValueError as exc:  # a POLICY_SEARCH_* variable with a value it cannot take
        raise click.ClickException(str(exc)) from None


@main.command("search")
@click.argument("query", nargs=-1)
@click.option("--index", "index", metavar="DIR", help=INDEX_HELP)
@click.option("--category", "categories", multiple=True, help="Only this category (repeatable).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Only posts on or after this day.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Only posts on or before this day.")
@click.option("--sort", type=click.Choice(SORTS), default=None)
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, help="Page number, from 1.")
@click.option(
    "--per-page",
    "per_page",
    type=click.IntRange(min=1),
    default=None,
    help="Hits per page (default 20, at most 100 unless configured otherwise).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET /api/search.")
def search_command(query, index, categories, date_from, date_to, sort, page, per_page, as_json):
    """Search the index from the command line: QUERY is the query language of the web search
    (several arguments are joined with spaces)."""
    import json

    from search import IndexUnavailable, QueryError, SearchRequest, SearchService
    from search.request import parse_date

    settings = _settings(index)
    service = SearchService(settings)
    try:
        req = SearchRequest.create(
            settings,
            q=" ".join(query),
            categories=categories,
            date_from=parse_date("from", date_from),
            date_to=parse_date("to", date_to),
            sort=sort,
            page=page,
            per_page=per_page,
        )
        result = service.search(req)
    except QueryError as e:
        raise click.UsageError(f"{e.param or 'query'}: {e.message}") from None
    except IndexUnavailable as e:
        raise click.ClickException(str(e)) from None
    finally:
        service.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    _print_results(result)


def _print_results(result: SearchResponse) -> None:
    import html
    import re

    def plain(fragment: str) -> str:
        parts = re.split(r"</?mark>", fragment)
        # even pieces are outside <mark>, odd ones inside
        return "".join(
            click.style(html.unescape(p), bold=True, fg="yellow") if i % 2 else html.unescape(p)
            for i, p in enumerate(parts)
        )

    first = (result["page"] - 1) * result["per_page"] + 1
    shown = len(result["hits"])
    click.echo(
        f"{result['total']}件"
        + (f"（{first}–{first + shown - 1}件目）" if shown else "")
        + f"  {result['took_ms']:.1f} ms"
    )
    for hit in result["hits"]:
        click.echo("")
        click.echo(f"{hit['date']}  [{hit['category']}]  {plain(hit['title_html'])}")
        click.echo(f"  {hit['id']}  {hit['url']}")
        if hit["snippet"]:
            click.echo(f"  {plain(hit['snippet'])}")


@main.command("serve")
@click.option("--index", "index", metavar="DIR", help=INDEX_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve_command(index, host, port, threads):
    """Serve the web pages and the JSON API with waitress (a production WSGI server)."""
    import waitress

    from .app import create_app

    app = create_app(_settings(index))
    click.echo(f"policy-search: serving http://{host}:{port}/ (Ctrl+C stops)", err=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="policy-search")
    finally:
        app.extensions["search_service"].close()
