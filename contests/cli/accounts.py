"""Accounts from the shell: the first organizer of an installation, and the demo."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..models.types import utcnow
from .boundary import domain_command


@click.command("create-organizer")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters.",
)
@click.option(
    "--organization", "organization_name", required=True, help="Organization name; created if new."
)
@domain_command
def create_organizer_command(email: str, password: str, organization_name: str) -> None:
    """Create an organizer account in an organization."""
    from ..organizations import create_organizer

    user, organization = create_organizer(email, password, organization_name)
    click.echo(
        f"Created organizer {user.email} in organization “{organization.name}” "
        f"(id {organization.id})."
    )


@click.command("demo")
@domain_command
def demo_command() -> None:
    """Create the demo organization, organizer and open contest (idempotent) and print the login."""
    from ..demo import ensure_demo

    login = ensure_demo(Path(current_app.instance_path), utcnow())
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo("Demo ready." if login.created else "Demo already there.")
    click.echo(f"  Sign in:        {base}/auth/login")
    click.echo(f"  Email:          {login.email}")
    click.echo(f"  Password:       {login.password}")
    click.echo(f"  Public entry:   {base}/c/{login.contest_slug}")
    if login.draw_id:
        click.echo(f"  Verifiable draw of a finished contest: {base}/d/{login.draw_id}")
