"""A full disk or a read-only index directory during a build: a clear error, the old index intact,
nothing left behind, and the next build (with room again) succeeds.

The tests run as root, where ``chmod 0555`` stops nothing, so the faults are made for real:

* **file too large** — ``ulimit -f 64`` (RLIMIT_FSIZE, 64 KiB) on the indexing process; Python
  ignores SIGXFSZ, so a write past the limit fails with EFBIG, like a quota running out. The real
  server keeps serving the same index root meanwhile.
* **no space left** — in a user and mount namespace of its own (``unshare -rm``) the index root is
  replaced by a copy on a tmpfs only a little larger than the index: the new generation does not
  fit, writes fail with ENOSPC.
* **read-only** — in such a namespace the index root is bind-mounted read-only (EROFS).

The namespace tests skip where ``unshare`` cannot make namespaces (no user namespaces).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import indexer
from benchmarks.bench_load import MARKER, edit_posts
from search import IndexStore, Settings
from tests.servers import cli
from tests.fixtures.index import write_corpus

from .server import base_env, get_json, run_cli, serve

EDITED = 3


@pytest.fixture
def site(tmp_path, fixture_posts):
    corpus = write_corpus(tmp_path / "corpus", fixture_posts)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    indexer.rebuild(settings, workers=1)
    edit_posts(corpus, EDITED)
    return settings


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.endswith("-tmp") or p.name.startswith(".current-"))


def _assert_clear_error(stderr: str, reason: str) -> None:
    assert stderr.startswith("Error: "), stderr
    assert reason in stderr, stderr
    assert ": :" not in stderr, stderr  # no empty file name
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_file_size_limit_during_rebuild(site, workers):
    root = Path(site.index_dir)
    store = IndexStore(root)
    live = store.live_dir()
    command = shlex.join([*cli(), "rebuild", "--workers", workers])
    with serve(root) as server:
        failed = subprocess.run(["sh", "-c", f"ulimit -f 64 && exec {command}"], capture_output=True,
                                text=True, timeout=300, stdin=subprocess.DEVNULL,
                                env=base_env(POLICY_SEARCH_INDEX=str(root),
                                             POLICY_SEARCH_CORPUS=str(site.corpus_dir)))
        during = get_json(server.base + "/api/search?q=" + MARKER)
        assert (failed.returncode, failed.stdout) == (1, "")
        _assert_clear_error(failed.stderr, "File too large")
        assert store.live_dir() == live
        assert _leftovers(root) == []
        assert (during[0], during[1]["total"]) == (200, 0)
        assert get_json(server.base + "/api/search")[1]["total"] == 23
        again = run_cli("rebuild", "--workers", "1", index_dir=root, corpus_dir=site.corpus_dir)
        assert again.returncode == 0, again.stderr
        deadline = time.monotonic() + 10
        while get_json(server.base + "/api/search?q=" + MARKER)[1]["total"] != EDITED:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


needs_namespaces = pytest.mark.skipif(not _namespaces_work(),
                                      reason="unshare -rm cannot create user/mount namespaces here")

# Runs inside `unshare -rm` (root of a private mount namespace). $OUT collects the results.
SCRIPT = r"""
set -u
mount -t tmpfs -o size="$SIZE"k tmpfs "$SCRATCH" || exit 90
cp -a "$INDEX/." "$SCRATCH/" || exit 91
mount --bind "$SCRATCH" "$INDEX" || exit 92
df -k "$INDEX" > "$OUT/full.df"
$CLI rebuild > "$OUT/full.out" 2> "$OUT/full.err"; echo $? > "$OUT/full.rc"
ls -A "$INDEX" > "$OUT/full.ls"
$CLI search --json "$MARKER" > "$OUT/full.search" 2>&1
$CLI search --json > "$OUT/full.all" 2>&1
umount "$INDEX" || exit 93
mount --bind "$INDEX" "$INDEX" && mount -o remount,bind,ro "$INDEX" || exit 94
$CLI update > "$OUT/ro-update.out" 2> "$OUT/ro-update.err"; echo $? > "$OUT/ro-update.rc"
$CLI rebuild > "$OUT/ro-rebuild.out" 2> "$OUT/ro-rebuild.err"; echo $? > "$OUT/ro-rebuild.rc"
$CLI search --json "$MARKER" > "$OUT/ro.search" 2>&1
exit 0
"""


@pytest.mark.slow
@needs_namespaces
def test_disk_full_and_read_only_index(site, tmp_path):
    root = Path(site.index_dir)
    live = IndexStore(root).live_dir()
    before = sorted(p.name for p in root.iterdir())
    used_kib = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) // 1024
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    out.mkdir()
    scratch.mkdir()
    env = base_env(POLICY_SEARCH_INDEX=str(root), POLICY_SEARCH_CORPUS=str(site.corpus_dir),
                   SIZE=str(used_kib + 256), SCRATCH=str(scratch), INDEX=str(root), OUT=str(out),
                   CLI=shlex.join(cli()), MARKER=MARKER)
    run = subprocess.run(["unshare", "-rm", "sh", "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, (run.returncode, run.stdout, run.stderr)

    def read(name: str) -> str:
        return (out / name).read_text("utf-8")

    # Full disk: a clear error; the copy of the old index is intact and still answers.
    assert read("full.rc").strip() == "1", read("full.out") + read("full.err")
    assert read("full.out") == ""
    _assert_clear_error(read("full.err"), "No space left on device")
    assert read("full.ls").split() == before
    assert json.loads(read("full.search"))["total"] == 0  # the old index: no marker yet
    assert json.loads(read("full.all"))["total"] == 23
    # Read-only: both commands refuse clearly; searching works.
    for name in ("ro-update", "ro-rebuild"):
        assert read(f"{name}.rc").strip() == "1", read(f"{name}.err")
        _assert_clear_error(read(f"{name}.err"), "Read-only file system")
    assert json.loads(read("ro.search"))["total"] == 0
    # Outside the namespace nothing changed, and with room again the rebuild succeeds.
    assert sorted(p.name for p in root.iterdir()) == before
    assert IndexStore(root).live_dir() == live
    again = run_cli("rebuild", "--workers", "1", index_dir=root, corpus_dir=site.corpus_dir)
    assert again.returncode == 0, again.stderr
