"""The ``contests`` command: Flask's own commands (run, db, routes, shell) plus ours.

Ours are grouped by area (accounts, contests, draws, operations); each runs through the CLI
boundary (``boundary.domain_command``), which commits once or rolls back and explains.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from .accounts import create_organizer_command, demo_command
from .contests import (
    check_command,
    entries_command,
    export_contest_command,
    import_contest_command,
    publish_command,
    publish_rules_command,
    rules_command,
)
from .draws import commit_command, draw_command, substitute_command, verify_draw_command
from .operations import audit_verify_command, purge_command, send_mail_command, worker_command

COMMANDS = (
    check_command,
    publish_command,
    publish_rules_command,
    rules_command,
    commit_command,
    draw_command,
    substitute_command,
    verify_draw_command,
    entries_command,
    send_mail_command,
    purge_command,
    worker_command,
    create_organizer_command,
    demo_command,
    export_contest_command,
    import_contest_command,
    audit_verify_command,
)


def register_commands(app) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from .. import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=True, load_dotenv=False)
def main() -> None:
    """Manage contests: serve the app, migrate the database, create organizers, run the demo."""
