"""The ``contests`` command: Flask's own commands (run, db, routes) plus ours."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .errors import DomainError, ValidationFailed
from .extensions import db
from .models import Contest, Organization
from .models.types import utcnow


def _cli_language() -> str:
    """Speak French to a shell whose LANG is French, English otherwise."""
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "fr" if lang.lower().startswith("fr") else "en"


def _fail(error: DomainError) -> None:
    """Print every problem on its own line and exit 1, after rolling back."""
    db.session.rollback()
    if isinstance(error, ValidationFailed):
        for field, messages in error.errors.items():
            for message in messages:
                click.echo(f"error: {message}" if field == "file" else f"error: {field}: {message}", err=True)
    else:
        click.echo(f"error: {error}", err=True)
    sys.exit(1)


def _speak_user_language(f):
    """Translate messages into the shell's language for the whole command."""
    from functools import wraps

    @wraps(f)
    def wrapper(*args, **kwargs):
        g.locale = _cli_language()
        return f(*args, **kwargs)

    return with_appcontext(wrapper)


@click.command("create-organizer")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
@click.option("--organization", "organization_name", required=True, help="Organization name; created if new.")
@_speak_user_language
def create_organizer_command(email: str, password: str, organization_name: str) -> None:
    """Create an organizer account in an organization."""
    from .organizations import create_organizer

    try:
        user, organization = create_organizer(email, password, organization_name)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created organizer {user.email} in organization “{organization.name}” (id {organization.id}).")


@click.command("demo")
@_speak_user_language
def demo_command() -> None:
    """Create the demo organization, organizer and open contest (idempotent) and print the login."""
    from .demo import ensure_demo

    login = ensure_demo(Path(current_app.instance_path), utcnow())
    db.session.commit()
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo("Demo ready." if login.created else "Demo already there.")
    click.echo(f"  Sign in:        {base}/auth/login")
    click.echo(f"  Email:          {login.email}")
    click.echo(f"  Password:       {login.password}")
    click.echo(f"  Public entry:   {base}/c/{login.contest_slug}")
    if login.draw_id:
        click.echo(f"  Verifiable draw of a finished contest: {base}/d/{login.draw_id}")


def _organization(value: str) -> Organization:
    from .organizations import organization_named

    organization = db.session.get(Organization, int(value)) if value.isdigit() else organization_named(value)
    if organization is None:
        raise click.BadParameter(f"no organization with id or unique name “{value}”", param_hint="--organization")
    return organization


@click.command("export-contest")
@click.argument("slug")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default: standard output).")
@_speak_user_language
def export_contest_command(slug: str, output) -> None:
    """Write a contest's terms and prizes as JSON (see docs/contest-json.md)."""
    from .transfer import export_contest

    contest = db.session.execute(select(Contest).where(Contest.slug == slug)).scalar_one_or_none()
    if contest is None:
        raise click.BadParameter(f"no contest with slug “{slug}”", param_hint="SLUG")
    json.dump(export_contest(contest), output, ensure_ascii=False, indent=2)
    output.write("\n")


@click.command("import-contest")
@click.argument("file", type=click.File("rb"))
@click.option("--organization", "organization_ref", required=True, help="Organization id or exact name.")
@click.option("--slug", help="Public address for the new contest (default: the file's, or made from the title).")
@_speak_user_language
def import_contest_command(file, organization_ref: str, slug: str | None) -> None:
    """Create a draft contest from a JSON file, listing every problem if it is refused."""
    from .transfer import import_contest

    organization = _organization(organization_ref)
    raw = file.read(2_000_001)
    if len(raw) > 2_000_000:
        _fail(ValidationFailed({"file": ["the file is larger than 2 MB"]}))
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        _fail(ValidationFailed({"file": [f"not valid UTF-8 JSON: {error}"]}))
    try:
        contest = import_contest(organization, document, None, slug=slug)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Imported draft contest “{contest.title}” as /c/{contest.slug} with {len(contest.prizes)} prize(s).")


@click.command("audit-verify")
@_speak_user_language
def audit_verify_command() -> None:
    """Check that the audit log's hash chain is intact."""
    from .audit import verify_chain

    broken = verify_chain()
    if broken is None:
        click.echo("PASS: audit chain intact")
    else:
        click.echo(f"FAIL: audit chain broken at event {broken}", err=True)
        sys.exit(1)


@click.command("entries")
@click.argument("slug")
@click.option("--status", type=click.Choice(["pending", "confirmed", "flagged", "disqualified"]), help="Only this status.")
@click.option("--separator", type=click.Choice(["comma", "semicolon"]), default="comma", show_default=True)
@click.option("--bom/--no-bom", default=False, show_default=True, help="Start with a UTF-8 BOM (for Excel).")
@_speak_user_language
def entries_command(slug: str, status: str | None, separator: str, bom: bool) -> None:
    """Write a contest's entries as CSV on standard output, one row per entry with its status."""
    from .entries import entries_query
    from .entry_export import SEPARATORS, entries_csv

    contest = db.session.execute(select(Contest).where(Contest.slug == slug)).scalar_one_or_none()
    if contest is None:
        raise click.BadParameter(f"no contest with slug “{slug}”", param_hint="SLUG")
    rows = db.session.execute(entries_query(contest, status).execution_options(yield_per=1000)).scalars()
    for chunk in entries_csv(contest, rows, SEPARATORS[separator], bom=bom):
        click.echo(chunk, nl=False)


@click.command("send-mail")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 100_000), help="Messages at most.")
@_speak_user_language
def send_mail_command(limit: int) -> None:
    """Deliver the queued mail through CONTESTS_SMTP_URL (failed messages are retried later)."""
    from .mail import deliver_pending

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


def _contest_by_slug(slug: str) -> Contest:
    contest = db.session.execute(select(Contest).where(Contest.slug == slug)).scalar_one_or_none()
    if contest is None:
        raise click.BadParameter(f"no contest with slug “{slug}”", param_hint="SLUG")
    return contest


@click.command("commit")
@click.argument("slug")
@click.option("--supplementary", is_flag=True,
              help="Commit a supplementary draw for the prizes left vacant once the alternates ran out.")
@click.option("--source", "sources", multiple=True,
              help="With --supplementary: a public source of randomness for it (repeat the option).")
@_speak_user_language
def commit_command(slug: str, supplementary: bool, sources: tuple[str, ...]) -> None:
    """Publish the draw commitment of a published contest (publishing does it; this repairs old ones),
    or with --supplementary the commitment of a supplementary draw."""
    from .winners import commit_draw, commit_supplementary, draw_of

    contest = _contest_by_slug(slug)
    if sources and not supplementary:
        raise click.BadParameter("only a supplementary draw names new sources; the first draw's are in the contest",
                                 param_hint="--source")
    if supplementary:
        if not sources:
            raise click.BadParameter("name at least one public source of randomness", param_hint="--source")
        try:
            draw = commit_supplementary(contest, list(sources), None, utcnow())
        except DomainError as error:
            _fail(error)
        db.session.commit()
        base = current_app.config["BASE_URL"].rstrip("/")
        click.echo(f"Supplementary draw committed: {base}/d/{draw.id}")
        click.echo(f"draw {draw.id}  spec_hash {draw.spec_hash}  state {draw.state}")
        return
    draw = draw_of(contest)
    if draw is None:
        if contest.state != "published":
            _fail(DomainError("only a published contest can be committed"))
        try:
            draw = commit_draw(contest, None, utcnow())
        except DomainError as error:
            _fail(error)
        db.session.commit()
        click.echo("Commitment published.")
    click.echo(f"draw {draw.id}  spec_hash {draw.spec_hash}  state {draw.state}")


@click.command("publish")
@click.argument("slug")
@_speak_user_language
def publish_command(slug: str) -> None:
    """Publish a draft: commit its draw and freeze version 1 of its rules, or list what is missing."""
    from .errors import PublishRefused
    from .publishing import publish_contest
    from .rules_versions import current_version

    contest = _contest_by_slug(slug)
    try:
        publish_contest(contest, None, utcnow())
    except PublishRefused as error:
        db.session.rollback()
        click.echo("error: cannot publish yet; missing:" if g.locale == "en" else "erreur : publication impossible ; manque :",
                   err=True)
        for label in error.missing:
            click.echo(f"  - {label}", err=True)
        sys.exit(1)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    row = current_version(contest)
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"Published: {base}/c/{contest.slug}")
    click.echo(f"Rules v{row.number}  sha256 {row.sha256}  {base}/c/{contest.slug}/rules")


@click.command("publish-rules")
@click.argument("slug")
@_speak_user_language
def publish_rules_command(slug: str) -> None:
    """Freeze version 1 of the rules of a contest published before versioned rules existed."""
    from .rules_versions import current_version, publish_rules

    contest = _contest_by_slug(slug)
    if contest.state == "draft":
        _fail(DomainError("a draft gets its rules when it is published: use `contests publish`"))
    row = current_version(contest)
    if row is None:
        try:
            row = publish_rules(contest, None, utcnow())
        except DomainError as error:
            _fail(error)
        db.session.commit()
    click.echo(f"Rules v{row.number}  sha256 {row.sha256}")


@click.command("rules")
@click.argument("slug")
@click.option("--version", "number", type=click.IntRange(min=1), help="A version number (default: the current one).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, writable=True), help="Write that version's PDF here.")
@_speak_user_language
def rules_command(slug: str, number: int | None, pdf_path: str | None) -> None:
    """List the versions of a contest's rules, or write one as PDF."""
    from .rules_versions import all_versions, rules_pdf

    contest = _contest_by_slug(slug)
    versions = all_versions(contest)
    if not versions:
        _fail(DomainError("this contest has no published rules"))
    for row in versions:
        click.echo(f"v{row.number}  {row.created_at:%Y-%m-%d %H:%M} UTC  sha256 {row.sha256}  {row.summary or '-'}")
    if pdf_path:
        chosen = next((row for row in versions if row.number == number), None) if number else versions[-1]
        if chosen is None:
            raise click.BadParameter(f"no version {number}", param_hint="--version")
        Path(pdf_path).write_bytes(rules_pdf(contest, chosen))
        db.session.commit()
        click.echo(f"Wrote v{chosen.number} to {pdf_path}")


@click.command("draw")
@click.argument("slug")
@click.option("--entropy", "entropy", multiple=True, required=True,
              help="The public value of each named source, in order (repeat the option).")
@_speak_user_language
def draw_command(slug: str, entropy: tuple[str, ...]) -> None:
    """Draw the winners of a closed contest (or its committed supplementary draw) from the public
    values of its named sources."""
    from .winners import perform_draw

    contest = _contest_by_slug(slug)
    click.echo(f"Freezing the eligible entries of “{contest.title}” and drawing...", err=True)
    def progress(count: int) -> None:
        click.echo(f"  {count:,} entries frozen...", err=True)

    try:
        draw = perform_draw(contest, list(entropy), None, utcnow(), progress=progress)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    record = json.loads(draw.record)
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"Drawn from {record['entrants']['count']} entries; seed {record['seed']}")
    for winner in record["winners"]:
        click.echo(f"  winner {winner['rank']}: entry {winner['entry_id']} (prize {winner['prize_position']})")
    for alternate in record["alternates"]:
        click.echo(f"  alternate {alternate['rank']}: entry {alternate['entry_id']}")
    click.echo(f"Public record: {base}/d/{draw.id}")


@click.command("substitute")
@click.argument("draw_id", type=int)
@click.argument("entry_id", type=int)
@click.option("--reason", required=True, type=click.Choice(["unclaimed", "declined", "ineligible", "unreachable", "fraud"]))
@_speak_user_language
def substitute_command(draw_id: int, entry_id: int, reason: str) -> None:
    """Replace a winner by the next alternate in published order."""
    from .models import Draw
    from .winners import substitute_winner

    draw = db.session.get(Draw, draw_id)
    if draw is None:
        raise click.BadParameter(f"no draw {draw_id}", param_hint="DRAW_ID")
    try:
        substitution = substitute_winner(draw, entry_id, reason, None, utcnow())
    except DomainError as error:
        _fail(error)
    db.session.commit()
    if substitution["by_entry_id"] is None:
        click.echo(f"Entry {substitution['replaced_entry_id']} loses the prize ({reason}). No alternate is left: the prize "
                   f"is vacant until a supplementary draw fills it (contests commit {draw.contest.slug} --supplementary --source ...).")
    else:
        click.echo(f"Entry {substitution['replaced_entry_id']} replaced by entry {substitution['by_entry_id']} "
                   f"(alternate {substitution['alternate_rank']}, {reason}).")


@click.command("verify-draw")
@click.argument("record", type=click.Path(exists=True, dir_okay=False))
@click.argument("entrants", type=click.Path(exists=True, dir_okay=False))
@click.argument("parent_entrants", type=click.Path(exists=True, dir_okay=False), required=False)
def verify_draw_command(record: str, entrants: str, parent_entrants: str | None) -> None:
    """Re-run a published draw offline (the same as python -m contests.draw.verify); for a
    supplementary draw, PARENT_ENTRANTS (the earlier draw's list) checks how its list was derived."""
    from .draw.verify import main as verify_main

    sys.exit(verify_main([record, entrants] + ([parent_entrants] if parent_entrants else [])))


COMMANDS = (
    publish_command,
    publish_rules_command,
    rules_command,
    commit_command,
    draw_command,
    substitute_command,
    verify_draw_command,
    entries_command,
    send_mail_command,
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
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=True, load_dotenv=False)
def main() -> None:
    """Manage contests: serve the app, migrate the database, create organizers, run the demo."""
