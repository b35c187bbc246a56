"""Committing a draw before any public value exists: the specification and the secret's hash.

The first draw is committed when the contest is published; a supplementary draw is committed
for prizes left vacant once a draw's alternates ran out, with a new secret and new sources.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..draw import beacon, protocol
from ..draw.canonical import canonical_json
from ..draw.sources import FORMATS, FREE
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..models import Contest, Draw, DrawState, Entry, EntryStatus, User
from ..signing import fingerprint, public_key
from .records import UNPRINTABLE, draw_of, draws_of, open_vacancies


def draw_spec(contest: Contest, commitment: str, supersedes: list[str] | None = None) -> dict:
    """The specification published with the contest (docs/draw-protocol.md, section 1);
    ``supersedes``: the hashes of the commitments an amendment of the closing date replaced,
    oldest first (receipts signed under them still count)."""
    return {
        "protocol": protocol.PROTOCOL,
        "version": protocol.VERSION,
        "algorithm": contest.draw_algorithm,
        "contest": {"id": contest.id, "slug": contest.slug},
        "prizes": [
            {"position": n, "title": p.title, "quantity": p.quantity}
            for n, p in enumerate(contest.prizes, start=1)
        ],
        "alternates": contest.alternates_per_prize * len(contest.prizes),
        "eligibility": "confirmed entries, not disqualified",
        "entropy_sources": contest.entropy_source_list,
        "commitment": commitment,
        "closes_at": contest.ends_at.isoformat() if contest.ends_at else None,
        # The key that signs entrants' receipts (SHA-256 of its raw public key).
        "receipt_key": fingerprint(public_key(current_app.config["SIGNING_KEY"])),
        # How the sources' results are written: one canonical spelling (draw/sources.py).
        **({"source_format": contest.entropy_format} if contest.entropy_format != FREE else {}),
        **({"beacon": _beacon(contest.beacon_round)} if contest.beacon_round else {}),
        **({"lottery": _lottery(contest)} if contest.lottery_draw else {}),
        **({"supersedes": supersedes} if supersedes else {}),
    }


def _lottery(contest: Contest) -> dict:
    """The lottery draw the contest's draw will use (``draw.sources``) and when its result is
    certainly public; the verifier re-derives both from the close."""
    typed = FORMATS[contest.entropy_format]
    held = contest.lottery_draw
    return {
        "name": typed.name,
        "draw": held.isoformat(),
        "published_after": typed.published_after(held).isoformat(),
        "calendar": typed.schedule(held.date()).source,
    }


def _beacon(number: int) -> dict:
    """The drand chain and round the draw will use (``draw.beacon``)."""
    chain = beacon.MAINNET
    return {
        "chain": chain.hash,
        "public_key": chain.public_key,
        "genesis_time": chain.genesis,
        "period": chain.period,
        "round": number,
        "round_time": chain.round_time(number).isoformat(),
    }


def commit_draw(
    contest: Contest, actor: User | None, now: datetime, supersedes: list[str] | None = None
) -> Draw:
    """Fix the draw specification and the secret's hash; refused if one exists (UNIQUE)."""
    if draw_of(contest) is not None:
        raise WrongState(
            _l("This contest already has a published draw commitment; it cannot be replaced.")
        )
    if not contest.entropy_source_list:
        raise ValidationFailed(
            {"entropy_sources": [_l("Name at least one public source of randomness for the draw.")]}
        )
    secret = secrets.token_hex(32)
    spec = draw_spec(contest, protocol.commitment(secret), supersedes)
    draw = Draw(
        contest_id=contest.id,
        organization_id=contest.organization_id,
        algorithm=contest.draw_algorithm,
        spec=canonical_json(spec).decode(),
        spec_hash=protocol.spec_hash(spec),
        server_secret=secret,
        state=DrawState.COMMITTED,
        committed_at=now,
    )
    db.session.add(draw)
    db.session.flush()
    audit.record(
        "draw.committed", actor=actor, contest=contest, draw_id=draw.id, spec_hash=draw.spec_hash
    )
    return draw


def commit_supplementary(
    contest: Contest, sources: list[str], actor: User | None, now: datetime
) -> Draw:
    """Commit a supplementary draw for the prizes a draw left vacant when its alternates ran out.

    Its list is fixed by rule in the specification, before any public value exists: the parent
    draw's entrant file less every entry ranked by an earlier draw of the contest (winners and
    alternates) and every entry no longer eligible (disqualified since). The verifier rebuilds
    it from the parent's file. A new secret, new public sources: nothing of the first draw's
    randomness is reused.
    """
    draws = draws_of(contest)
    if any(draw.state != DrawState.DRAWN for draw in draws):
        raise WrongState(_l("A draw of this contest is still waiting for its public values."))
    parent, vacant = open_vacancies(draws)
    if parent is None:
        raise WrongState(
            _l(
                "No prize is vacant: a supplementary draw only fills prizes left without an "
                "alternate."
            )
        )
    named = [" ".join(source.split()) for source in sources if source.strip()]
    if not named:
        raise ValidationFailed(
            {"entropy_sources": [_l("Name at least one public source of randomness for the draw.")]}
        )
    if not all(source.isprintable() for source in named):
        raise ValidationFailed({"entropy_sources": [UNPRINTABLE]})
    if len(named) > 10 or any(len(source) > 300 for source in named):
        raise ValidationFailed(
            {"entropy_sources": [_l("Name at most 10 sources of at most 300 characters each.")]}
        )
    parent_file = parent.entrants_file or b""
    parent_ids = {int(line.split(b",", 1)[0]) for line in parent_file.splitlines()}
    ranked = set().union(*(protocol.ranked_ids(json.loads(d.record)) for d in draws))
    no_longer = set(
        db.session.execute(
            select(Entry.number).where(
                Entry.contest_id == contest.id, Entry.status != EntryStatus.CONFIRMED
            )
        ).scalars()
    )
    excluded = sorted((ranked | no_longer) & parent_ids)
    if not protocol.derive_entrants(parent_file, excluded):
        raise WrongState(_l("No eligible entry is left for a supplementary draw."))
    parent_spec = json.loads(parent.spec)
    replaces = sorted(
        vacant, key=lambda vacancy: vacancy["prize_position"]
    )  # stable: vacancy order within a prize
    titles = {prize["position"]: prize["title"] for prize in parent_spec["prizes"]}
    sequence = max(draw.sequence for draw in draws) + 1
    secret = secrets.token_hex(32)
    spec = {
        "protocol": protocol.PROTOCOL,
        "version": protocol.VERSION,
        "algorithm": parent.algorithm,
        "contest": parent_spec["contest"],
        "prizes": protocol.supplementary_prizes(replaces, titles),
        "alternates": contest.alternates_per_prize * len(replaces),
        "eligibility": "the parent draw's entrant list, less the excluded entries",
        "entropy_sources": named,
        "commitment": protocol.commitment(secret),
        "closes_at": parent_spec["closes_at"],
        **{key: parent_spec[key] for key in ("receipt_key",) if key in parent_spec},
        # Its own sources are named now (the parent's round has been used): free text.
        "supplementary": {
            "sequence": sequence,
            "parent_draw": parent.id,
            "parent_spec_hash": parent.spec_hash,
            "parent_file_sha256": protocol.sha256_hex(parent_file),
            "replaces": replaces,
            "excluded": excluded,
        },
    }
    draw = Draw(
        contest_id=contest.id,
        organization_id=contest.organization_id,
        sequence=sequence,
        parent_id=parent.id,
        algorithm=parent.algorithm,
        spec=canonical_json(spec).decode(),
        spec_hash=protocol.spec_hash(spec),
        server_secret=secret,
        state=DrawState.COMMITTED,
        committed_at=now,
    )
    db.session.add(draw)
    try:
        db.session.flush()
    except IntegrityError:
        # UNIQUE(contest_id, sequence): another organizer committed the same supplementary draw
        # first. The caller rolls back, as after any refusal.
        raise WrongState(
            _l("Another supplementary draw was committed meanwhile; reload the page.")
        ) from None
    audit.record(
        "draw.committed",
        actor=actor,
        contest=contest,
        draw_id=draw.id,
        spec_hash=draw.spec_hash,
        supplementary_of=parent.id,
        replaces=[v["entry_id"] for v in replaces],
    )
    return draw
