"""Contests from the shell: JSON export and import, publishing, the rules, the entries as CSV."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from ..entries.review import STATUS_FILTERS
from ..errors import DomainError
from ..models import State
from ..models.types import utcnow
from .boundary import contest_by_slug, domain_command, organization_by_reference


@click.command("export-contest")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@domain_command
def export_contest_command(slug: str, output) -> None:
    """Write a contest's terms and prizes as JSON (see docs/contest-json.md)."""
    from ..contest.transfer import export_contest

    json.dump(export_contest(contest_by_slug(slug)), output, ensure_ascii=False, indent=2)
    output.write("\n")


@click.command("import-contest")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--organization", "organization_ref", required=True, help="Organization id or exact name."
)
@click.option(
    "--slug",
    help="Public address for the new contest (default: the file's, or made from the title).",
)
@domain_command
def import_contest_command(file, organization_ref: str, slug: str | None) -> None:
    """Create a draft contest from a JSON file, listing every problem if it is refused."""
    from ..contest.transfer import MAX_FILE_BYTES, import_contest, read_contest_file

    organization = organization_by_reference(organization_ref)
    document = read_contest_file(file.read(MAX_FILE_BYTES + 1))
    contest = import_contest(organization, document, None, slug=slug)
    click.echo(
        f"Imported draft contest “{contest.title}” as /c/{contest.slug} with "
        f"{len(contest.prizes)} prize(s)."
    )
    _echo_warnings(contest)


@click.command("entries")
@click.argument("slug")
@click.option(
    "--status",
    type=click.Choice([str(status) for status in STATUS_FILTERS]),
    help="Only this status.",
)
@click.option(
    "--separator",
    type=click.Choice(["auto", "comma", "semicolon"]),
    default="auto",
    show_default=True,
    help="auto: semicolons for a French contest, commas for an English one (as the admin).",
)
@click.option(
    "--bom/--no-bom",
    default=True,
    show_default=True,
    help="Start with a UTF-8 BOM, so that Excel reads accents (as the admin's download).",
)
@domain_command
def entries_command(slug: str, status: str | None, separator: str, bom: bool) -> None:
    """Write a contest's entries as CSV on standard output, one row per entry with its status."""
    from ..entries.export import SEPARATORS, default_separator, entries_csv
    from ..entries.review import entries_query
    from ..extensions import db

    contest = contest_by_slug(slug)
    rows = db.session.execute(
        entries_query(contest, status).execution_options(yield_per=1000)
    ).scalars()
    chosen = default_separator(contest) if separator == "auto" else separator
    for chunk in entries_csv(contest, rows, SEPARATORS[chosen], bom=bom):
        click.echo(chunk, nl=False)


@click.command("publish")
@click.argument("slug")
@domain_command
def publish_command(slug: str) -> None:
    """Publish a draft: commit its draw and freeze version 1 of its rules, or list what is
    missing."""
    from ..contest.publishing import publish_contest
    from ..rules.versions import current_version

    contest = contest_by_slug(slug)
    publish_contest(contest, None, utcnow())
    row = current_version(contest)
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"Published: {base}/c/{contest.slug}")
    click.echo(f"Rules v{row.number}  sha256 {row.sha256}  {base}/c/{contest.slug}/rules")
    _echo_warnings(contest)


def _echo_warnings(contest) -> None:
    from ..contest.publishing import legal_warnings

    label = _("Warning: %(what)s")
    for warning in legal_warnings(contest, utcnow()):
        click.echo(label % {"what": warning}, err=True)


@click.command("check")
@click.argument("slug")
@domain_command
def check_command(slug: str) -> None:
    """Say what a contest still needs before publication and what the law asks of the organizer
    (US state registration); changes nothing."""
    from ..contest.publishing import missing_for_publish

    contest = contest_by_slug(slug)
    missing = missing_for_publish(contest, utcnow()) if contest.state == State.DRAFT else []
    for item in missing:
        click.echo(_("Missing: %(what)s") % {"what": item})
    if not missing:
        click.echo(_("Nothing is missing."))
    _echo_warnings(contest)


@click.command("publish-rules")
@click.argument("slug")
@domain_command
def publish_rules_command(slug: str) -> None:
    """Freeze version 1 of the rules of a contest published before versioned rules existed."""
    from ..rules.versions import current_version, publish_rules

    contest = contest_by_slug(slug)
    if contest.state == State.DRAFT:
        raise DomainError("a draft gets its rules when it is published: use `contests publish`")
    row = current_version(contest) or publish_rules(contest, None, utcnow())
    click.echo(f"Rules v{row.number}  sha256 {row.sha256}")


@click.command("rules")
@click.argument("slug")
@click.option(
    "--version",
    "number",
    type=click.IntRange(min=1),
    help="A version number (default: the current one).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write that version's PDF here.",
)
@domain_command
def rules_command(slug: str, number: int | None, pdf_path: str | None) -> None:
    """List the versions of a contest's rules, or write one as PDF."""
    from ..rules.versions import all_versions, rules_pdf

    contest = contest_by_slug(slug)
    versions = all_versions(contest)
    if not versions:
        raise DomainError("this contest has no published rules")
    for row in versions:
        click.echo(
            f"v{row.number}  {row.created_at:%Y-%m-%d %H:%M} UTC  sha256 {row.sha256}  "
            f"{row.summary or '-'}"
        )
    if pdf_path:
        chosen = (
            next((row for row in versions if row.number == number), None)
            if number
            else versions[-1]
        )
        if chosen is None:
            raise click.BadParameter(f"no version {number}", param_hint="--version")
        Path(pdf_path).write_bytes(rules_pdf(contest, chosen))  # the rendering is kept in the row
        click.echo(f"Wrote v{chosen.number} to {pdf_path}")
