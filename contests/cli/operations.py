"""Keeping an installation healthy: the audit chain's check, delivering queued mail."""

from __future__ import annotations

import sys

import click
from flask import current_app

from .boundary import domain_command


@click.command("audit-verify")
@domain_command
def audit_verify_command() -> None:
    """Check that the audit log's hash chain is intact."""
    from ..audit import verify_chain

    broken = verify_chain()
    if broken is None:
        click.echo("PASS: audit chain intact")
    else:
        click.echo(f"FAIL: audit chain broken at event {broken}", err=True)
        sys.exit(1)


@click.command("send-mail")
@click.option(
    "--limit",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Messages at most.",
)
@domain_command
def send_mail_command(limit: int) -> None:
    """Deliver the queued mail through CONTESTS_SMTP_URL (failed messages are retried later).

    The mail sender commits after each message itself, so that a crash never sends one twice.
    """
    from ..mail import deliver_pending

    smtp_url = current_app.config["SMTP_URL"]
    if not smtp_url:
        click.echo("error: CONTESTS_SMTP_URL is not set; mail stays queued.", err=True)
        sys.exit(1)
    try:
        sent, failed = deliver_pending(smtp_url, current_app.config["MAIL_FROM"], limit=limit)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"sent {sent}, failed {failed} (failed messages are retried with a growing delay)")
    if failed:
        sys.exit(1)
