"""Click commands of the indexer (import, rebuild, update, remove, stats)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
