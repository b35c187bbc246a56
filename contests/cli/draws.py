"""Draws from the shell: the commitment, the draw, substitutions, and the offline verifier."""

from __future__ import annotations

import getpass
import json
import sys

import click
from flask import current_app

from ..errors import DomainError
from ..models import State
from ..models.types import utcnow
from ..winners.substitution import SUBSTITUTION_REASONS
from .boundary import contest_by_slug, domain_command


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


@click.command("commit")
@click.argument("slug")
@click.option(
    "--supplementary",
    is_flag=True,
    help="Commit a supplementary draw for the prizes left vacant once the alternates ran out.",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="With --supplementary: a public source of randomness for it (repeat the option).",
)
@domain_command
def commit_command(slug: str, supplementary: bool, sources: tuple[str, ...]) -> None:
    """Publish the draw commitment of a published contest (publishing does it; this repairs old
    ones),
    or with --supplementary the commitment of a supplementary draw."""
    from ..winners.commitment import commit_draw, commit_supplementary
    from ..winners.records import draw_of

    contest = contest_by_slug(slug)
    if sources and not supplementary:
        raise click.BadParameter(
            "only a supplementary draw names new sources; the first draw's are in the contest",
            param_hint="--source",
        )
    if supplementary:
        if not sources:
            raise click.BadParameter(
                "name at least one public source of randomness", param_hint="--source"
            )
        draw = commit_supplementary(contest, list(sources), None, utcnow())
        click.echo(f"Supplementary draw committed: {_base_url()}/d/{draw.id}")
        click.echo(f"draw {draw.id}  spec_hash {draw.spec_hash}  state {draw.state}")
        return
    draw = draw_of(contest)
    if draw is None:
        if contest.state != State.PUBLISHED:
            raise DomainError("only a published contest can be committed")
        draw = commit_draw(contest, None, utcnow())
        click.echo("Commitment published.")
    click.echo(f"draw {draw.id}  spec_hash {draw.spec_hash}  state {draw.state}")


@click.command("draw")
@click.argument("slug")
@click.option(
    "--entropy",
    "entropy",
    multiple=True,
    required=True,
    help="The public value of each named source, in order (repeat the option).",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask to confirm the values (they are still printed as the draw uses them).",
)
@click.option(
    "--by",
    default=lambda: f"{getpass.getuser()} (command line)",
    show_default="your login (command line)",
    help="Your name, as the draw certificate prints it (the person who ran the draw).",
)
@domain_command
def draw_command(slug: str, entropy: tuple[str, ...], yes: bool, by: str | None) -> None:
    """Draw the winners of a closed contest (or its committed supplementary draw) from the public
    values of its named sources, once they are confirmed as the draw will use them."""
    from ..winners.drawing import perform_draw, values_for
    from ..winners.records import pending_draw

    contest = contest_by_slug(slug, freeze=False)
    pending = pending_draw(contest)
    if pending is not None:
        click.echo("The draw will use exactly these values:", err=True)
        for value in values_for(pending, list(entropy)):
            click.echo(f"  {value!r}", err=True)
    if not yes:
        click.confirm("Draw with these values? It cannot be undone", abort=True, err=True)
    click.echo(f"Freezing the eligible entries of “{contest.title}” and drawing...", err=True)

    def progress(count: int) -> None:
        click.echo(f"  {count:,} entries frozen...", err=True)

    draw = perform_draw(contest, list(entropy), None, utcnow(), progress=progress, by=by)
    record = json.loads(draw.record)
    click.echo(f"Drawn from {record['entrants']['count']} entries; seed {record['seed']}")
    for winner in record["winners"]:
        click.echo(
            f"  winner {winner['rank']}: entry {winner['entry_id']} "
            f"(prize {winner['prize_position']})"
        )
    for alternate in record["alternates"]:
        click.echo(f"  alternate {alternate['rank']}: entry {alternate['entry_id']}")
    click.echo(f"Public record: {_base_url()}/d/{draw.id}")


@click.command("substitute")
@click.argument("draw_id", type=int)
@click.argument("entry_id", type=int)
@click.option("--reason", required=True, type=click.Choice(SUBSTITUTION_REASONS))
@domain_command
def substitute_command(draw_id: int, entry_id: int, reason: str) -> None:
    """Replace a winner by the next alternate in published order."""
    from ..extensions import db
    from ..models import Draw
    from ..winners.substitution import substitute_winner

    draw = db.session.get(Draw, draw_id)
    if draw is None:
        raise click.BadParameter(f"no draw {draw_id}", param_hint="DRAW_ID")
    substitution = substitute_winner(draw, entry_id, reason, None, utcnow())
    if substitution["by_entry_id"] is None:
        click.echo(
            f"Entry {substitution['replaced_entry_id']} loses the prize ({reason}). No alternate "
            f"is left: the "
            f"prize is vacant until a supplementary draw fills it "
            f"(contests commit {draw.contest.slug} "
            "--supplementary --source ...)."
        )
    else:
        click.echo(
            f"Entry {substitution['replaced_entry_id']} replaced by entry "
            f"{substitution['by_entry_id']} "
            f"(alternate {substitution['alternate_rank']}, {reason})."
        )


@click.command("verify-draw")
@click.argument("record", type=click.Path(exists=True, dir_okay=False))
@click.argument("entrants", type=click.Path(exists=True, dir_okay=False))
@click.argument("parent_entrants", type=click.Path(exists=True, dir_okay=False), required=False)
def verify_draw_command(record: str, entrants: str, parent_entrants: str | None) -> None:
    """Re-run a published draw offline (the same as python -m contests.draw.verify); for a
    supplementary draw, PARENT_ENTRANTS (the earlier draw's list) checks how its list was
    derived."""
    from ..draw.verify import main as verify_main

    sys.exit(verify_main([record, entrants] + ([parent_entrants] if parent_entrants else [])))
