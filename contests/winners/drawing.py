"""The draw itself: read the list frozen at the close, compute the seed and the ordered result.

A million entries are frozen and drawn in about three seconds on two cores (README, benchmarks):
the database writes the entrant file in chunks that forked workers hash as they arrive
(``freezing``, ``contests.draw.parallel``), and a draw after the freeze only selects, from the
ids and weights the freeze kept.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update

from .. import audit
from ..draw import beacon, protocol, rfc3797, sources, timing
from ..draw.canonical import MalformedEntrantFile
from ..errors import ValidationFailed, WrongState
from ..extensions import db, on_postgresql
from ..models import Contest, Draw, DrawState, State, User
from ..timezones import utc_to_local
from . import transparency
from .awards import open_awards
from .freezing import freeze_entrants, listing_of, record_freeze
from .records import UNPRINTABLE, draw_of, pending_draw

TOOL = "contests 0.1.0"
ALTERED = _l(
    "The stored entrant list no longer matches the fingerprints published when it was frozen: "
    "the draw is refused. Restore the list from a backup."
)


def _next_number(organization_id: int) -> int:
    """The organization's next draw number. Two draws of one organization at once queue on a
    transaction lock (PostgreSQL; SQLite has one writer); the UNIQUE constraint is the backstop."""
    if on_postgresql():
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": 0x64726177, "key": organization_id},  # "draw"
        )
    last = db.session.execute(
        select(func.max(Draw.organization_sequence)).where(Draw.organization_id == organization_id)
    ).scalar()
    return (last or 0) + 1


def _beacon_value(named: dict, value: str) -> str:
    """A drand round's value, canonical and with its BLS signature checked against the chain's
    key (``draw.beacon``; py_ecc is a dependency of the app, so it is always checked here)."""
    chain = beacon.CHAINS[named["chain"]]
    try:
        canonical = beacon.canonical(value, named["round"])
    except beacon.BadBeacon as error:
        raise ValidationFailed(
            {
                "entropy": [
                    _l(
                        "Paste drand round %(round)d as the drand API gives it (JSON), or its "
                        "signature and previous signature in hex (%(error)s).",
                        round=named["round"],
                        error=str(error),
                    )
                ]
            }
        ) from None
    if not beacon.verify(chain, named["round"], canonical):
        raise ValidationFailed(
            {
                "entropy": [
                    _l(
                        "This is not drand round %(round)d: its signature does not verify "
                        "against the League of Entropy's public key.",
                        round=named["round"],
                    )
                ]
            }
        )
    return canonical


def values_for(draw: Draw, entropy: list[str]) -> list[str]:
    """The public values as the draw will hash them, or ValidationFailed saying what is wrong.

    White space is collapsed; a typed source (``draw.sources``) keeps its one canonical spelling
    of the result, so the same numbers typed otherwise give the same draw. Shown to the organizer
    for confirmation before the draw.
    """
    spec = json.loads(draw.spec)
    values = [" ".join(value.split()) for value in entropy]
    if not all(value.isprintable() for value in values):
        raise ValidationFailed({"entropy": [UNPRINTABLE]})
    if len(values) != len(spec["entropy_sources"]) or not all(values):
        raise ValidationFailed(
            {
                "entropy": [
                    _l(
                        "Enter one value for each of the %(n)d public sources named before the "
                        "close.",
                        n=len(spec["entropy_sources"]),
                    )
                ]
            }
        )
    source_format = spec.get("source_format", sources.FREE)
    if source_format == sources.DRAND:
        return [_beacon_value(spec["beacon"], value) for value in values]
    typed = sources.FORMATS.get(source_format)
    day = timing.lottery_day(spec, {}) if "lottery" in spec else None
    try:
        return [sources.canonical(source_format, value, day) for value in values]
    except sources.BadValue:
        groups = " + ".join(
            str(_l("%(n)d numbers from %(low)d to %(high)d", n=count, low=low, high=high))
            for count, low, high in typed.groups(day)
        )
        message = _l(
            "Each value must be a %(name)s result: %(groups)s, no number twice in a group.",
            name=typed.name,
            groups=groups,
        )
        raise ValidationFailed({"entropy": [message]}) from None


def _wait_for_sources(spec: dict, contest: Contest, now: datetime) -> None:
    """Refuse a draw before its public values can exist: the drand round, or the lottery draw's
    result (published some time after the draw itself)."""
    if "beacon" in spec and now < datetime.fromisoformat(spec["beacon"]["round_time"]):
        raise WrongState(
            _l(
                "drand round %(round)d will be published at %(time)s UTC: the draw waits for it.",
                round=spec["beacon"]["round"],
                time=spec["beacon"]["round_time"][:19].replace("T", " "),
            )
        )
    lottery = spec.get("lottery")
    if lottery and now < datetime.fromisoformat(lottery["published_after"]):
        local = utc_to_local(datetime.fromisoformat(lottery["draw"]), contest.timezone)
        public = utc_to_local(datetime.fromisoformat(lottery["published_after"]), contest.timezone)
        raise WrongState(
            _l(
                "The draw uses the %(name)s draw of %(date)s; its result is certainly public "
                "from %(time)s (%(zone)s): the draw waits until then.",
                name=lottery["name"],
                date=local.strftime("%Y-%m-%d %H:%M"),
                time=public.strftime("%Y-%m-%d %H:%M"),
                zone=contest.timezone,
            )
        )


def _frozen_before_sources(spec: dict, frozen_at: datetime) -> None:
    """Refuse values that existed before the list was frozen (it could have been fitted to
    them): the list is frozen at the close, before the named round or lottery draw."""
    if "beacon" in spec and frozen_at >= datetime.fromisoformat(spec["beacon"]["round_time"]):
        raise WrongState(
            _l(
                "The list of entries was frozen after drand round %(round)d was published, so it "
                "could have been arranged to fit it: this draw cannot use that round. Keep "
                "`contests worker` running so that lists are frozen at the close.",
                round=spec["beacon"]["round"],
            )
        )
    lottery = spec.get("lottery")
    if lottery and frozen_at >= datetime.fromisoformat(lottery["draw"]):
        raise WrongState(
            _l(
                "The list of entries was frozen after the %(name)s draw it uses, so it could "
                "have been arranged to fit its numbers: this draw cannot use them. Keep "
                "`contests worker` running so that lists are frozen at the close.",
                name=lottery["name"],
            )
        )


def perform_draw(
    contest: Contest,
    entropy: list[str],
    actor: User | None,
    now: datetime,
    progress=None,
    by: str | None = None,
) -> Draw:
    """Draw from the list frozen at the close (freezing it now if nothing has yet), compute the
    seed and the ordered result, store the record.

    ``progress``, if given, is called with the number of entries frozen so far, every 100,000.
    ``by``: the name of the person running the draw, printed on the certificate (default: the
    actor's email).
    Exactly one draw per contest: the state change is a conditional UPDATE, so of two organizers
    pressing "Draw" at once, one gets the draw and the other a clear refusal. Everything happens
    in the caller's transaction, so a process killed midway leaves no partial draw.
    """
    draw = pending_draw(contest)
    if draw is None:
        if draw_of(contest) is None:
            raise WrongState(_l("This contest has no draw commitment: publish it first."))
        raise WrongState(_l("This contest has already been drawn."))
    if contest.ends_at is None or now < contest.ends_at:
        raise WrongState(_l("The draw can only take place after the contest closes."))
    if draw.parent_id is None and contest.draw_at is not None and now < contest.draw_at:
        raise WrongState(
            _l(
                "The rules announce the draw for %(date)s (%(zone)s): it cannot take place before.",
                date=utc_to_local(contest.draw_at, contest.timezone).strftime("%Y-%m-%d %H:%M"),
                zone=contest.timezone,
            )
        )
    drawn_by = " ".join((by if by is not None else (actor.email if actor else "")).split())
    if by is not None and not 2 <= len(drawn_by) <= 120:
        raise ValidationFailed(
            {
                "drawn_by": [
                    _l(
                        "Give your name as the draw certificate will print it (120 characters "
                        "at most)."
                    )
                ]
            }
        )
    spec = json.loads(draw.spec)
    _wait_for_sources(spec, contest, now)
    values = values_for(draw, entropy)
    if draw.algorithm == protocol.RFC3797:
        try:
            rfc3797.key_string(values)
        except rfc3797.BadSource as error:
            raise ValidationFailed(
                {
                    "entropy": [
                        _l(
                            "RFC 3797 values must be whole numbers separated by spaces "
                            "(%(error)s).",
                            error=str(error),
                        )
                    ]
                }
            ) from None
    claimed = db.session.execute(
        update(Draw)
        .where(Draw.id == draw.id, Draw.state == DrawState.COMMITTED)
        .values(state=DrawState.DRAWN, drawn_at=now)
    ).rowcount
    if claimed != 1:
        raise WrongState(_l("This contest has already been drawn."))
    drawn: dict = {}

    def draw_from(frozen: protocol.FrozenList, known_root: bytes | None = None) -> dict:
        """Hash (unless the root is known) and draw in one pass; return the list's summary."""
        drawn["record"] = protocol.build_record(
            spec, draw.server_secret, values, frozen, now.isoformat(), TOOL, known_root=known_root
        )
        return drawn["record"]["entrants"]

    listing = None
    if draw.parent_id is not None:
        frozen = protocol.FrozenList.from_file(
            protocol.derive_entrants(
                draw.parent.entrants_file or b"", spec["supplementary"]["excluded"]
            )
        )
    else:
        listing, frozen = freeze_entrants(contest, now, actor, progress, summarize=draw_from)
    if listing is not None and frozen is None:
        # Frozen earlier, at the close: not hashed again. The file's SHA-256 is checked against
        # the one published then (from the record's summary, below) and the seed uses the root
        # published then; the verifier recomputes both from the published file.
        arrays = listing.arrays()
        if arrays is not None:  # read and checked at the freeze
            frozen = protocol.FrozenList.from_arrays(listing.entrants_file, *arrays)
        else:
            frozen = protocol.FrozenList.from_file(listing.entrants_file)
        try:
            summary = draw_from(frozen, bytes.fromhex(listing.merkle_root))
        except MalformedEntrantFile:
            raise WrongState(ALTERED) from None
        if (summary["file_sha256"], summary["count"], summary["total_tickets"]) != (
            listing.file_sha256,
            listing.count,
            listing.total_tickets,
        ):
            raise WrongState(ALTERED)
    elif listing is None:
        draw_from(frozen)
    if not frozen:
        # Refused after the claim: the caller's rollback undoes it (no count query over every
        # entry first).
        raise WrongState(_l("There is no eligible entry to draw from."))
    record = drawn["record"]
    if draw.parent_id is not None:
        db.session.execute(update(Draw).where(Draw.id == draw.id).values(frozen_at=now))
        record_freeze(draw, contest, frozen, record["entrants"], actor)
    del frozen  # a million separate lines weigh about 115 MB
    listing = listing_of(draw)
    frozen_at = db.session.execute(select(Draw.frozen_at).where(Draw.id == draw.id)).scalar()
    _frozen_before_sources(spec, frozen_at)
    record["frozen_at"] = frozen_at.isoformat()
    number = _next_number(contest.organization_id)
    record["organization_sequence"] = number
    record["audit"] = {
        "frozen": {
            "event_id": listing.audit_event_id,
            "count": listing.audit_count,
            "hash": listing.audit_hash,
        },
        "drawn": audit.head(),
    }
    db.session.execute(
        update(Draw)
        .where(Draw.id == draw.id)
        .values(
            entropy=json.dumps(values, ensure_ascii=False),
            record=json.dumps(record, ensure_ascii=False),
            organization_sequence=number,
            drawn_by=drawn_by,
        )
    )
    contest.state = State.DRAWN
    db.session.flush()
    db.session.refresh(draw)
    audit.record(
        "draw.performed",
        actor=actor,
        contest=contest,
        draw_id=draw.id,
        sequence=draw.sequence,
        by=drawn_by,
        seed=record["seed"],
        entrants=record["entrants"]["count"],
        merkle_root=record["entrants"]["merkle_root"],
    )
    transparency.append(draw, contest, now)
    open_awards(draw)
    return draw
