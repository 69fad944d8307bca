"""The update webhook: ``POST /api/admin/update``, ``POST /api/admin/sync`` and
``GET /api/admin/jobs/<id>``.

Off unless ``Settings.admin_token`` is set (``POLICY_SEARCH_ADMIN_TOKEN``): without a token every
``/api/admin/…`` URL answers 404, exactly like a URL that does not exist. With one, a request
must carry ``Authorization: Bearer <token>``; the token is compared with
:func:`hmac.compare_digest` (constant time, on UTF-8 bytes, so any header value can be compared).

* no or malformed ``Authorization`` → 401 with ``WWW-Authenticate: Bearer realm="policy-search"``
* a wrong token → 403
* ``POST /api/admin/update`` → 202 ``{"job": {...}}`` with ``Location: /api/admin/jobs/<id>``;
  the job runs ``indexer.update(settings)`` in a background thread of this process
* while a job runs, another ``POST`` → 409 (error code ``update_running``, the message names the
  running job and ``Location`` points at it): one update at a time per server
* ``POST /api/admin/sync`` → the same, for a job that runs ``indexer.sync.sync_feeds`` over the
  feeds of ``Settings.sync_feeds`` (``POLICY_SEARCH_SYNC_FEEDS``) and nothing the request says;
  409 ``sync_not_configured`` when none are set. Update and sync jobs take turns: while either
  runs, a ``POST`` to either is 409 (``update_running`` or ``sync_running``)
* ``GET /api/admin/jobs/<id>`` → 200 ``{"job": {...}}``, or 404 for an unknown id

A job reads ``{"id", "state", "started_at", "finished_at", "progress", "summary", "failure"}``:
``state`` is ``running``, ``succeeded`` or ``failed``; ``progress`` is the latest
``{"done", "total"}`` the indexer reported (or null); ``summary`` is the indexer's
``BuildSummary.to_dict()`` once it succeeded (a sync job: ``SyncSummary.to_dict()``, with the
index update's under ``index``; absolute paths cut to their last part);
``failure`` is ``{"code", "message"}`` once it failed: ``index_locked`` when a CLI ``update`` or
``rebuild`` holds the index's write lock (or another sync runs), ``update_failed`` /
``sync_failed`` for the indexer's own errors (no corpus directory, say), ``internal_error`` for
anything else (details in the server log only).
Every error is the API's one shape ``{"error": {"code", "message", "param"}}``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
import threading
from collections import OrderedDict
from typing import cast

from flask import Blueprint, Response, current_app, jsonify, request, url_for

import indexer
from indexer import BuildSummary, IndexerError, IndexLocked
from indexer.sync import SyncOptions, SyncSummary, sync_feeds
from search.contract import Job as JobDict
from search.contract import JobFailure, JobProgress, JobState, JobSummary
from search.contract import SyncSummary as SyncSummaryDict

from .errors import api_error

#: Finished jobs remembered for ``GET /api/admin/jobs/<id>`` (the oldest are forgotten first).
KEEP_JOBS = 50
REALM = "policy-search"
# Not after ``:`` or ``/``: the path of a URL (``http://host/feed``) is not a server path.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/])/(?:[^\s'\"/:]+/)*([^\s'\"/:]+)")

bp = Blueprint("admin", __name__, url_prefix="/api/admin")


class Job:
    """One background update; its fields change only under :attr:`JobRunner.lock`."""

    def __init__(self, kind: str = "update") -> None:
        self.kind = kind
        """``update`` or ``sync`` (what the job runs; not part of its JSON)."""
        self.id = secrets.token_hex(8)
        self.state: JobState = "running"
        self.started_at = _now()
        self.finished_at: str | None = None
        self.progress: JobProgress | None = None
        self.summary: JobSummary | SyncSummaryDict | None = None
        self.failure: JobFailure | None = None
        self.done = threading.Event()

    def as_dict(self) -> JobDict:
        return {
            "id": self.id,
            "state": self.state,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "progress": self.progress,
            "summary": self.summary,
            "failure": self.failure,
        }


class JobRunner:
    """Runs at most one ``indexer.update`` at a time and remembers the last :data:`KEEP_JOBS`."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.running: Job | None = None
        self.sync_options = SyncOptions()
        """How sync jobs fetch (tests shorten the delay between requests)."""

    def start(self, kind: str = "update") -> tuple[Job, bool]:
        """``(job, True)`` for a newly started job, ``(running job, False)`` if one is running."""
        with self.lock:
            if self.running is not None:
                return self.running, False
            job = self.running = Job(kind)
            self.jobs[job.id] = job
            while len(self.jobs) > KEEP_JOBS:
                self.jobs.popitem(last=False)
        thread = threading.Thread(
            target=self._run, args=(job,), daemon=True, name=f"policy-search-{kind}-{job.id}"
        )
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: fail the job rather than block all others
            self._finish(
                job,
                failure={"code": "internal_error", "message": f"the {kind} could not be started"},
            )
        return job, True

    def get(self, job_id: str) -> JobDict | None:
        with self.lock:
            job = self.jobs.get(job_id)
            return None if job is None else job.as_dict()

    def wait(self, job_id: str, timeout: float | None = None) -> bool:
        """Block until the job has finished (for tests and shutdown); False on timeout."""
        with self.lock:
            job = self.jobs.get(job_id)
        return True if job is None else job.done.wait(timeout)

    def _run(self, job: Job) -> None:
        def progress(done: int, total: int) -> None:
            with self.lock:
                job.progress = {"done": done, "total": total}

        summary: JobSummary | SyncSummaryDict | None = None
        failure: JobFailure | None = None
        try:
            if job.kind == "sync":
                summary = _summary(
                    sync_feeds(
                        self.settings.sync_feeds,
                        self.settings,
                        self.sync_options,
                        progress=progress,
                    )
                )
            else:
                summary = _summary(indexer.update(self.settings, progress=progress))
        except IndexLocked as exc:
            failure = {"code": "index_locked", "message": _plain(exc)}
        except IndexerError as exc:
            failure = {
                "code": "sync_failed" if job.kind == "sync" else "update_failed",
                "message": _plain(exc),
            }
        except BaseException as exc:  # the details go to the server log only
            logging.getLogger(__name__).error("%s job %s failed", job.kind, job.id, exc_info=exc)
            failure = {
                "code": "internal_error",
                "message": f"the {job.kind} failed unexpectedly; the server log has the details",
            }
        finally:
            self._finish(job, summary, failure)

    def _finish(
        self,
        job: Job,
        summary: JobSummary | SyncSummaryDict | None = None,
        failure: JobFailure | None = None,
    ) -> None:
        with self.lock:
            job.summary = summary
            job.failure = failure
            job.state = "failed" if failure else "succeeded"
            job.finished_at = _now()
            if self.running is job:
                self.running = None
        job.done.set()


def init_app(app) -> None:
    """With an admin token: register the blueprint and give ``app`` its job runner
    (``app.extensions["admin_jobs"]``). Without one nothing is registered, so every method on
    every ``/api/admin/…`` URL is the API's ordinary 404."""
    settings = app.extensions["search_settings"]
    if settings.admin_token:
        app.extensions["admin_jobs"] = JobRunner(settings)
        app.register_blueprint(bp)


# --- views ------------------------------------------------------------------------------------


@bp.before_request
def _authorize() -> Response | None:
    token = current_app.extensions["search_settings"].admin_token  # set: see init_app
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return api_error(
            401,
            "unauthorized",
            "this endpoint needs the header Authorization: Bearer <admin token>",
            None,
            {"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    if not hmac.compare_digest(_bytes(given.strip()), _bytes(token)):
        return api_error(403, "forbidden", "the admin token is not valid", None)
    return None


@bp.post("/update")
def start_update() -> Response:
    return _start("update")


@bp.post("/sync")
def start_sync() -> Response:
    """Sync the configured feeds only: a URL in the request is never fetched (the server would
    otherwise fetch whatever an admin token holder names, from inside its network)."""
    if not current_app.extensions["search_settings"].sync_feeds:
        return api_error(
            409,
            "sync_not_configured",
            "no feeds to sync: set POLICY_SEARCH_SYNC_FEEDS to the blog's feed "
            "addresses (separated by spaces) and restart the server",
            None,
        )
    return _start("sync")


def _start(kind: str) -> Response:
    runner: JobRunner = current_app.extensions["admin_jobs"]
    job, started = runner.start(kind)
    location = url_for("admin.job_status", job_id=job.id)
    if not started:
        what = "an update" if job.kind == "update" else "a sync"
        return api_error(
            409,
            f"{job.kind}_running",
            f"{what} is already running (job {job.id}); its progress is at {location}",
            None,
            {"Location": location},
        )
    response = jsonify({"job": runner.get(job.id)})
    response.status_code = 202
    response.headers["Location"] = location
    return response


@bp.get("/jobs/<job_id>")
def job_status(job_id: str) -> Response:
    found = current_app.extensions["admin_jobs"].get(job_id)
    if found is None:
        return api_error(
            404,
            "not_found",
            f"no such job (only the last {KEEP_JOBS} jobs of this server process are kept)",
            "id",
        )
    return jsonify({"job": found})


# --- helpers ----------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _plain(exc: BaseException) -> str:
    """The exception's message with every absolute path cut to its last part (no server paths
    in answers)."""
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1), str(exc))


def _summary(summary: BuildSummary | SyncSummary) -> JobSummary | SyncSummaryDict:
    """``summary.to_dict()`` with every absolute path in its strings cut to its last part (an
    update's ``reason``, ``generation`` and problems; a sync's failures and its index update)."""

    def cut(value):
        if isinstance(value, str):
            return _ABSOLUTE_PATH.sub(lambda m: m.group(1), value)
        if isinstance(value, dict):
            return {key: cut(item) for key, item in value.items()}
        if isinstance(value, list):
            return [cut(item) for item in value]
        return value

    return cast("JobSummary | SyncSummaryDict", cut(summary.to_dict()))
