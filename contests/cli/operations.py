"""Keeping an installation healthy: the audit chain's check, delivering queued mail."""

from __future__ import annotations

import signal
import sys
import time

import click
from flask import current_app, g
from flask.cli import with_appcontext

from ..extensions import db
from .boundary import domain_command


@click.command("audit-verify")
@domain_command
def audit_verify_command() -> None:
    """Check that the audit log's hash chain is intact and still matches the heads the draw
    records published (a chain recomputed after an edit does not)."""
    from ..audit import verify_anchors, verify_chain
    from ..winners.records import published_audit_heads

    broken = verify_chain()
    if broken is not None:
        click.echo(f"FAIL: audit chain broken at event {broken}", err=True)
        sys.exit(1)
    problems = verify_anchors(published_audit_heads())
    if problems:
        for problem in problems:
            click.echo(f"FAIL: {problem}", err=True)
        sys.exit(1)
    click.echo("PASS: audit chain intact and matching the heads published in draw records")


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


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be erased; change nothing.")
@domain_command
def purge_command(dry_run: bool) -> None:
    """Erase the personal data of contests past their retention period, as the worker does:
    entrants first, winners once their own (longer) period has passed. Draws still verify."""
    from ..entries import retention
    from ..models import Contest
    from ..models.types import utcnow
    from ..transaction import unit_of_work

    now = utcnow()
    due = retention.due(now)
    if not due:
        click.echo("nothing to purge" if g.locale == "en" else "rien à effacer")
    for contest_id, phase in due:
        with unit_of_work():
            contest = db.session.get(Contest, contest_id)
            done = retention.purge_contest(contest, phase, now, dry_run=dry_run)
        if done is not None:
            click.echo(_purge_line(done, dry_run))


def _purge_line(done, dry_run: bool) -> str:
    winners = done.phase == "winners"
    if g.locale == "fr":
        verb = "serait effacé" if dry_run else "effacé"
        who = "gagnants" if winners else "participants"
        kept = "" if winners else f", {done.winners_kept} gagnant(s) conservé(s)"
        return (
            f"{done.slug} : {done.entries} {who} {verb}s, {done.mails} courrier(s) supprimé(s)"
            f"{kept}"
        )
    verb = "would be erased" if dry_run else "erased"
    who = "winners" if winners else "entrants"
    kept = "" if winners else f", {done.winners_kept} winner(s) kept"
    return f"{done.slug}: {done.entries} {who} {verb}, {done.mails} mail(s) deleted{kept}"


@click.command("worker")
@click.option(
    "--once", is_flag=True, help="Run every job until nothing is due, then exit (for cron)."
)
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds to wait when nothing is due.",
)
@click.option(
    "--batch",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Items per round.",
)
@with_appcontext
def worker_command(once: bool, interval: float, batch: int) -> None:
    """Run the timed work (mail delivery, and the jobs of contests.jobs); several workers may run
    at once, on one machine or several. Stops cleanly on SIGTERM or Ctrl+C."""
    from ..jobs import run_once

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"worker: jobs every {interval:g} s when idle; mail via {_mail_target()}", err=True)
    try:
        while not stopping:
            done = run_once(batch)
            if any(done.values()):
                click.echo(
                    "worker: " + ", ".join(f"{k} {v}" for k, v in done.items() if v), err=True
                )
            if once:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass


def _mail_target() -> str:
    url = current_app.config["SMTP_URL"]
    if not url:
        return "nowhere (CONTESTS_SMTP_URL is not set: mail stays queued)"
    if url.startswith("console:"):
        return "this terminal (CONTESTS_SMTP_URL=console://)"
    return url.split("@")[-1]  # the server, never its credentials
