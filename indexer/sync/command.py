"""``policy-search sync URL… [--every DURATION] [--no-pages]`` (registered by ``web.cli``)."""

from __future__ import annotations

import datetime as dt
import re
import signal
import sys
import threading
import time
from pathlib import Path

import click

from ..cli import (
    _category_option,
    _corpus_option,
    _index_option,
    _ProgressBar,
    _report_problems,
    _run,
    _seconds_option,
    _settings,
    _wait_option,
)
from ..problems import IndexerError
from . import FetchPolicy, Stopped, SyncOptions, SyncSummary, sync_feeds
from .fetch import DEFAULT_CONTACT

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+)([smhd])")


def parse_duration(text: str) -> float:
    """Seconds in ``30s``, ``30m``, ``1h``, ``1d`` or a sum like ``1h30m``; ValueError otherwise."""
    value = text.strip().lower()
    if not value or _PART.sub("", value):
        raise ValueError(
            f"{text!r} is not a duration: write a number and a unit, like 30s, 30m, 1h or 1h30m"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(value))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a period: it must be longer than 0 seconds")
    return float(seconds)


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command("sync")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--every",
    type=Duration(),
    metavar="DURATION",
    help="Keep syncing on this period (30s, 30m, 1h…) until stopped by SIGTERM or "
    "Ctrl+C, with a log line per round. Without it: one round.",
)
@click.option(
    "--no-pages",
    is_flag=True,
    help="Take each post's text from the feed only (usually an excerpt); fetch no pages.",
)
@_corpus_option
@_index_option
@_category_option("Category of entries whose feed names none.")
@_seconds_option(
    "--delay",
    1.0,
    "Pause between two requests to the same host (a longer robots.txt Crawl-delay wins).",
)
@_seconds_option("--timeout", 30.0, "Time allowed for each answer once connected.", minimum=0.01)
@click.option(
    "--max-bytes",
    type=click.IntRange(1024),
    default=FetchPolicy.max_bytes,
    show_default=True,
    help="Largest answer accepted; larger ones are refused.",
)
@click.option(
    "--contact",
    default=DEFAULT_CONTACT,
    show_default=True,
    help="URL or e-mail put in the User-Agent, where a blog's owner can reach you.",
)
@_wait_option
def sync_command(
    urls: tuple[str, ...],
    every: float | None,
    no_pages: bool,
    corpus: Path | None,
    index: Path | None,
    category: str,
    delay: float,
    timeout: float,
    max_bytes: int,
    contact: str,
    wait: float,
) -> None:
    """Bring the corpus and the index in step with blogs: each URL is a feed (RSS 2.0, RDF,
    Atom) or a blog page that links its feed.

    For each post that is new or changed since the last sync, its page is fetched and its article
    text indexed, with title, date and category from the feed (the feed's text when the page
    cannot be read, and the summary says so). A second sync of an unchanged feed costs one
    request (HTTP 304). Exit status 1 when a feed could not be synced."""
    settings = _settings(corpus, index)
    if not category.strip():
        raise click.BadParameter("must not be empty", param_hint="--category")
    policy = FetchPolicy(
        delay=delay,
        timeout=timeout,
        connect_timeout=min(10.0, timeout),
        max_bytes=max_bytes,
        contact=contact,
    )
    options = SyncOptions(pages=not no_pages, category=category.strip(), policy=policy)
    urls = tuple(dict.fromkeys(urls))
    if every is None:
        with _ProgressBar("indexing") as bar:
            summary = _run(sync_feeds, urls, settings, options, progress=bar, wait=wait)
        if not _echo(summary):
            sys.exit(1)
        return
    _loop(urls, settings, options, every, wait)


def _echo(summary: SyncSummary, prefix: str = "") -> bool:
    for failure in summary.failures:
        click.echo(f"{prefix}{failure}", err=True)
    if summary.index is not None:
        _report_problems(summary.index.problems)
    click.echo(prefix + summary.line())
    if summary.index_error:
        click.echo(f"{prefix}Error: {summary.index_error}", err=True)
    return summary.ok


def _loop(urls, settings, options, every: float, wait: float) -> None:
    """Rounds ``every`` seconds apart (start to start) until SIGTERM or SIGINT; a round in progress
    stops at its next request, leaving every post file whole."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    click.echo(
        f"policy-search sync: {len(urls)} URL(s) every {every:g} s (SIGTERM or Ctrl+C stops)",
        err=True,
    )
    rounds = 0
    try:
        while not stop.is_set():
            began = time.monotonic()
            rounds += 1
            prefix = f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} round {rounds}: "
            try:
                _echo(sync_feeds(urls, settings, options, stop=stop, wait=wait), prefix)
            except Stopped:
                break
            except IndexerError as exc:
                click.echo(f"{prefix}Error: {exc}", err=True)
            except OSError as exc:
                click.echo(f"{prefix}Error: {exc}", err=True)
            stop.wait(max(0.0, every - (time.monotonic() - began)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"policy-search sync: stopped after {rounds} round(s)", err=True)
