"""Click commands of the indexer (import, rebuild, update, remove, stats).

``web.cli`` adds every command in :data:`COMMANDS` to the ``policy-search`` group. Rejected input
is reported on stderr as ``FILE:LINE: reason``; the command then exits with status 1 after doing
everything else. Failures of the whole command (index locked, no corpus…) print ``Error:`` and a
way out, also with status 1. Usage errors exit with 2.
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Any

import click

from search import Settings

from . import build
from .corpus import remove_posts
from .importer import import_paths
from .postfile import PLACEHOLDER_URL
from .problems import IndexerError, Problem
from .sources import ImportOptions
from .sources.model import DEFAULT_CATEGORY
from .stats import index_stats

_corpus_option = click.option(
    "--corpus",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of post files. [default: $POLICY_SEARCH_CORPUS or ./corpus]",
)
_index_option = click.option(
    "--index",
    type=click.Path(file_okay=False, path_type=Path),
    help="Local state directory: the write lock, and the Whoosh backend's index generations. "
    "[default: $POLICY_SEARCH_INDEX or ./var/index]",
)
_workers_option = click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=None,
    help="Processes that analyse posts. [default: 2, or 1 on a one-core machine]",
)


def _seconds_option(name: str, default: float, help: str, minimum: float = 0):
    """An option that takes a number of seconds, at least ``minimum``."""
    return click.option(
        name,
        type=click.FloatRange(minimum),
        default=default,
        show_default=True,
        metavar="SECONDS",
        help=help,
    )


def _category_option(help: str):
    """``--category``: the category of posts whose source names none."""
    return click.option("--category", default=DEFAULT_CATEGORY, show_default=True, help=help)


_wait_option = _seconds_option(
    "--wait",
    0.0,
    "If another process is writing the index, wait this long for it before giving up.",
)


def _settings(corpus: Path | None = None, index: Path | None = None) -> Settings:
    try:
        return Settings.from_env(corpus_dir=corpus, index_dir=index)
    except ValueError as exc:  # a POLICY_SEARCH_* variable with a value it cannot take
        raise click.ClickException(str(exc)) from None


class _ProgressBar:
    """A progress callback that draws a bar on a terminal, and does nothing otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None  # click's progress bar, made at the first report
        self.done = 0
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _posts(n: int) -> str:
    return "1 post has" if n == 1 else f"{n} posts have"


def _rate(count: int, seconds: float) -> str:
    return (
        f"{seconds:.1f} s, {count / seconds:.0f} posts/s"
        if seconds > 0 and count
        else f"{seconds:.1f} s"
    )


def _run(func, *args, **kwargs):
    """Call ``func``; a failure of the whole command becomes ``Error: …`` and exit status 1."""
    try:
        return func(*args, **kwargs)
    except IndexerError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(_os_error_message(exc)) from None


def _os_error_message(exc: OSError) -> str:
    """One line that names the file (when known) and says what to do about this kind of error."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        advice = "free disk space (or raise the file size limit) and run the command again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "check that the directory is writable by this user"
    else:
        advice = "check the path and its permissions"
    return f"{where}{reason}; {advice}"


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    """Directories stand for the (non-hidden) files directly inside them."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        else:
            out.append(path)
    return out


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_corpus_option
@_category_option(
    "Category of posts whose source names none (saved pages, feeds without categories)."
)
@click.option(
    "--url",
    help="Source address of a saved page (one page per import). Without it the "
    "post gets the placeholder https://unknown.invalid/<id>.",
)
def import_command(
    paths: tuple[Path, ...], corpus: Path | None, category: str, url: str | None
) -> None:
    """Turn source files into post files in the corpus, replacing posts with the same id.

    Each PATH is a JSONL file (one post a line), an RSS 2.0 / RDF / Atom feed, a blog post page
    saved as text from a browser, or an HTML page; the kind is told from the content and the
    extension. A directory stands for the files in it. Run `policy-search update` afterwards to
    index what was imported."""
    settings = _settings(corpus)
    if not category.strip():
        raise click.BadParameter("must not be empty", param_hint="--category")
    with _ProgressBar("importing") as bar:
        summary = _run(
            import_paths,
            _expand(paths),
            settings.corpus_dir,
            options=ImportOptions(category=category.strip(), url=url),
            progress=bar,
        )
    _report_problems(summary.problems)
    written = summary.added + summary.updated + summary.unchanged
    click.echo(
        f"imported {written} posts into {settings.corpus_dir}: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.rejected} "
        f"rejected ({_rate(written, summary.seconds)})"
    )
    if summary.placeholder_urls:
        n = len(summary.placeholder_urls)
        click.echo(
            f"{_posts(n)} no source address; {'its' if n == 1 else 'their'} url is the "
            f"placeholder {PLACEHOLDER_URL}<id> (give --url with a saved page)"
        )
    if summary.added or summary.updated:
        click.echo("next: run `policy-search update` to index them")
    if not summary.ok:
        sys.exit(1)


def _echo_build(summary: build.BuildSummary, settings: Settings) -> None:
    _report_problems(summary.problems)
    indexed = summary.added + summary.updated
    if summary.action == "none":
        click.echo(
            f"nothing changed: the index ({summary.posts} posts) is up to date with "
            f"{settings.corpus_dir}"
        )
    elif summary.action == "rebuild":
        why = "" if summary.reason == "requested" else f" ({summary.reason})"
        click.echo(
            f"rebuilt the index from {settings.corpus_dir}{why}: {summary.posts} posts, "
            f"{summary.rejected} rejected ({_rate(indexed, summary.seconds)})"
        )
    else:
        click.echo(
            f"updated the index: {summary.added} added, {summary.updated} updated, "
            f"{summary.removed} removed, {summary.rejected} rejected; {summary.posts} posts "
            f"({_rate(indexed, summary.seconds)})"
        )
    if summary.problems:
        click.echo("fix the files above and run `policy-search update` again", err=True)
        sys.exit(1)


@click.command("rebuild")
@_corpus_option
@_index_option
@_workers_option
@_wait_option
def rebuild_command(
    corpus: Path | None, index: Path | None, workers: int | None, wait: float
) -> None:
    """Build a complete new index from the corpus and switch to it atomically.

    The old index keeps serving until the new one is complete; a crash leaves it in place.
    The previous generation is kept for readers still using it, older ones are deleted."""
    settings = _settings(corpus, index)
    with _ProgressBar("indexing") as bar:
        summary = _run(build.rebuild, settings, bar, workers=workers, wait=wait)
    _echo_build(summary, settings)


@click.command("update")
@_corpus_option
@_index_option
@_workers_option
@_wait_option
def update_command(
    corpus: Path | None, index: Path | None, workers: int | None, wait: float
) -> None:
    """Bring the index up to date with the corpus: add new posts, re-index changed ones, drop
    removed ones.

    With nothing changed it does nothing and says so. With no index yet (or one built by another
    schema version) it builds one from the corpus."""
    settings = _settings(corpus, index)
    with _ProgressBar("indexing") as bar:
        summary = _run(build.update, settings, bar, workers=workers, wait=wait)
    _echo_build(summary, settings)


@click.command("remove")
@click.argument("ids", nargs=-1, required=True)
@_corpus_option
@_index_option
@click.option(
    "--update",
    "then_update",
    is_flag=True,
    help="Also update the index right away (else run `policy-search update` later).",
)
def remove_command(
    ids: tuple[str, ...], corpus: Path | None, index: Path | None, then_update: bool
) -> None:
    """Delete the post files of IDS from the corpus.

    The index keeps serving the posts until `policy-search update` runs; pass --update to run it
    now."""
    settings = _settings(corpus, index)
    removed, failed = _run(remove_posts, Path(settings.corpus_dir), list(ids))
    for message in failed:
        click.echo(message, err=True)
    click.echo(f"removed {len(removed)} post files from {settings.corpus_dir}")
    if then_update and removed:
        summary = _run(build.update, settings)
        _echo_build(summary, settings)
    elif removed:
        click.echo("next: run `policy-search update` to drop them from the index")
    if failed:
        sys.exit(1)


@click.command("stats")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def stats_command(index: Path | None, as_json: bool) -> None:
    """Show what the live index holds: posts, distinct terms, size on disk, last build."""
    stats = _run(index_stats, _settings(index=index))
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False))
        return
    details = [(k, v) for k, v in stats.items() if k not in _STATS_KEYS]
    rows = [("backend", stats["backend"]), ("index", stats["index"])]
    if stats["location"] != stats["index"]:
        rows.append(("location", stats["location"]))
    rows += [("generation", stats["generation"]), ("posts", f"{stats['posts']:,}")]
    if stats["terms"] is not None:
        rows.append(("terms", f"{stats['terms']:,} (title and body)"))
    rows += details
    rows += [("readings", f"{stats['readings']:,} (katakana readings in the reading lexicon)")]
    if stats["size_bytes"] is not None:
        rows.append(("size on disk", f"{stats['size_bytes'] / 2**20:.1f} MiB"))
    rows += [
        ("last build", f"{stats['built_at']} ({stats['built_by']})"),
        ("last rebuild", stats["rebuilt_at"]),
        ("schema version", stats["schema_version"]),
        ("corpus", stats["corpus"]),
    ]
    for key, value in rows:
        click.echo(f"{key + ':':16}{value}")


#: The figures every backend gives; any other key of ``index_stats`` is the backend's own.
_STATS_KEYS = frozenset(
    {
        "backend",
        "index",
        "location",
        "generation",
        "posts",
        "terms",
        "readings",
        "size_bytes",
        "schema_version",
        "built_at",
        "built_by",
        "rebuilt_at",
        "corpus",
    }
)


COMMANDS: list[click.Command] = [
    import_command,
    rebuild_command,
    update_command,
    remove_command,
    stats_command,
]
