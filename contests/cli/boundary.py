"""The command-line side of the transaction boundary, and what every command shares.

A command decorated with :func:`domain_command` runs in an app context, speaks the shell's
language, and is one unit of work: committed when it returns, rolled back on any exception. A
:class:`~contests.errors.DomainError` is printed, one problem per line, and the command exits 1.
Commands never call ``commit()`` or ``rollback()`` themselves.
"""

from __future__ import annotations

import os
import sys
from functools import wraps

import click
from flask import g
from flask.cli import with_appcontext
from sqlalchemy import select

from ..errors import DomainError, PublishRefused, ValidationFailed
from ..extensions import db
from ..models import Contest, Organization
from ..models.types import utcnow
from ..transaction import unit_of_work
from ..winners.freezing import freeze_due, freeze_entrants


def cli_language() -> str:
    """Speak French to a shell whose LANG is French, English otherwise."""
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "fr" if lang.lower().startswith("fr") else "en"


def print_refusal(error: DomainError) -> None:
    """Every problem on its own line of standard error."""
    if isinstance(error, PublishRefused):
        click.echo(
            "error: cannot publish yet; missing:"
            if g.locale == "en"
            else "erreur : publication impossible ; manque :",
            err=True,
        )
        for label in error.missing:
            click.echo(f"  - {label}", err=True)
    elif isinstance(error, ValidationFailed):
        for field, messages in error.errors.items():
            for message in messages:
                click.echo(
                    f"error: {message}" if field == "file" else f"error: {field}: {message}",
                    err=True,
                )
    else:
        click.echo(f"error: {error}", err=True)


def domain_command(f):
    """Run the command as one unit of work in the shell's language; a refusal exits 1."""

    @wraps(f)
    def wrapper(*args, **kwargs):
        g.locale = cli_language()
        try:
            with unit_of_work():
                return f(*args, **kwargs)
        except DomainError as error:
            print_refusal(error)
            sys.exit(1)

    return with_appcontext(wrapper)


def contest_by_slug(slug: str, freeze: bool = True) -> Contest:
    """A contest by slug; the first command that meets it closed freezes its entrant list if the
    worker has not yet (in the command's unit of work; ``draw`` freezes it itself, reporting its
    progress)."""
    contest = db.session.execute(select(Contest).where(Contest.slug == slug)).scalar_one_or_none()
    if contest is None:
        raise click.BadParameter(f"no contest with slug “{slug}”", param_hint="SLUG")
    now = utcnow()
    if freeze and freeze_due(contest, now):
        freeze_entrants(contest, now)
    return contest


def organization_by_reference(value: str) -> Organization:
    """An organization by id or by its exact (unique) name."""
    from ..organizations import organization_named

    organization = (
        db.session.get(Organization, int(value)) if value.isdigit() else organization_named(value)
    )
    if organization is None:
        raise click.BadParameter(
            f"no organization with id or unique name “{value}”", param_hint="--organization"
        )
    return organization
