"""The installed ``policy-search`` command, run as a real process from import to stats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import DATA, clean_env, find


def run(*args: object) -> subprocess.CompletedProcess:
    exe = shutil.which("policy-search", path=os.path.dirname(sys.executable))
    assert exe is not None
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, env=clean_env(), timeout=120)


def test_import_update_stats_as_a_real_process(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    imported = run("import", DATA / "canpan-rss2.xml", DATA / "canpan-rdf.rdf", "--corpus", corpus)
    assert imported.returncode == 1
    assert imported.stderr == (f"{DATA}/canpan-rss2.xml:20: entry '日付のない記事' has no date (pubDate, dc:date, "
                               "published or updated)\n")
    assert imported.stdout.startswith(f"imported 4 posts into {corpus}: 4 added, 0 updated, 0 unchanged, 1 rejected")
    first = run("update", "--corpus", corpus, "--index", index)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout.startswith(f"rebuilt the index from {corpus} (no live index): 4 posts, 0 rejected (")
    second = run("update", "--corpus", corpus, "--index", index)
    assert second.stdout == f"nothing changed: the index (4 posts) is up to date with {corpus}\n"
    stats = json.loads(run("stats", "--json", "--index", index).stdout)
    assert (stats["posts"], stats["built_by"]) == (4, "rebuild")
    assert find(index, "body", "生活保護") == ["canpan-seisaku-memo-1301"]
    assert find(index, "category", "子育て支援") == ["canpan-seisaku-memo-1302"]


@pytest.mark.parametrize(("error", "expected"), [
    (OSError(28, "No space left on device"),
     "No space left on device; free disk space (or raise the file size limit) and run the command again"),
    (OSError(13, "Permission denied", "/srv/index"),
     "/srv/index: Permission denied; check that the directory is writable by this user"),
    (OSError(2, "No such file or directory", "corpus/x.md"),
     "corpus/x.md: No such file or directory; check the path and its permissions"),
])
def test_os_errors_say_what_to_do(error, expected):
    from indexer.cli import _os_error_message

    assert _os_error_message(error) == expected
