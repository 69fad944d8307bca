"""Under CI=true an unexpected skip fails the run (the hook in tests/conftest.py); an allowed one,
or any skip outside CI, does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPS = '''
import pytest

def test_unexpected():
    pytest.skip("{reason}")
'''


@pytest.mark.parametrize("ci, reason, code", [
    ("true", "../shared is absent", 1),
    ("true", "unshare -rm cannot create user/mount namespaces here", 0),
    ("", "../shared is absent", 0),
])
def test_ci_fails_on_unexpected_skips(tmp_path, ci, reason, code):
    (tmp_path / "test_skips.py").write_text(SKIPS.format(reason=reason), "utf-8")
    env = dict(os.environ, CI=ci)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "tests.conftest", "--rootdir", str(tmp_path), "-c", os.devnull,
                           str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert ("unexpected skip" in proc.stdout) == bool(code)
