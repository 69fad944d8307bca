"""A test hook for crash tests: ``POLICY_SEARCH_FAULT=<phase>`` kills the build at ``<phase>``.

With the variable set, a ``rebuild`` or ``update`` sends SIGKILL (``kill -9``: no cleanup, no
``finally``) to its own main process when it reaches the phase:

* ``analysis`` — after the first post has been analysed and added to a new segment (in a worker
  process the worker kills its parent, then stops like any orphaned worker);
* ``commit`` — the new segments are written, the new table of contents is not;
* ``switch`` — the build is complete and flushed, the ``current`` link not yet switched.

Unset (always, outside tests) it does nothing. tests/hardening/test_faults.py and
docs/reliability.md describe what each crash must leave behind.
"""

from __future__ import annotations

import os
import signal

ENV = "POLICY_SEARCH_FAULT"
PHASES = ("analysis", "commit", "switch")


def fault(phase: str, pid: int | None = None) -> None:
    """SIGKILL process ``pid`` (default: this one) if ``POLICY_SEARCH_FAULT`` names ``phase``."""
    if os.environ.get(ENV) == phase:
        os.kill(os.getpid() if pid is None else pid, signal.SIGKILL)
