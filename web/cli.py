"""The ``policy-search`` command: one click group gathering the indexer's and the web's commands."""

from __future__ import annotations

import click

from indexer.cli import COMMANDS as INDEXER_COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policy-search")
def main() -> None:
    """Full-text search for Japanese policy posts."""


for _command in INDEXER_COMMANDS:
    main.add_command(_command)
