"""Reading a contest's draws: which exist, what the pages show of each, where an entrant stands."""

from __future__ import annotations

import bisect
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..draw import lookup, merkle, protocol
from ..draw.canonical import parse_entrant_file
from ..entries.numbering import entries_numbered
from ..extensions import db
from ..models import Contest, Draw, DrawList, DrawListBlock, DrawState, Entry

#: Public values and sources are published as typed: no character a reader cannot see.
UNPRINTABLE = _l("Write the values as they are published, without invisible control characters.")


def draw_of(contest: Contest) -> Draw | None:
    """The contest's draw committed at publication (sequence 1), as an amendment of the closing
    date may have committed it again."""
    return db.session.execute(
        select(Draw).where(current(contest.id), Draw.sequence == 1)
    ).scalar_one_or_none()


def current(contest_id: int):
    """The condition on a contest's draws that are not superseded (``Draw.superseded_at``)."""
    return (Draw.contest_id == contest_id) & Draw.superseded_at.is_(None)


def superseded_commitments(contest: Contest) -> list[Draw]:
    """The commitments that amendments of the closing date replaced, oldest first."""
    return list(
        db.session.execute(
            select(Draw)
            .where(Draw.contest_id == contest.id, Draw.superseded_at.is_not(None))
            .order_by(Draw.superseded_at, Draw.id)
        ).scalars()
    )


def draws_of(contest: Contest) -> list[Draw]:
    """The first draw, then any supplementary draws, in order."""
    return list(
        db.session.execute(
            select(Draw).where(current(contest.id)).order_by(Draw.sequence)
        ).scalars()
    )


def pending_draw(contest: Contest) -> Draw | None:
    """The commitment waiting for its public values, if any (at most one at a time)."""
    return db.session.execute(
        select(Draw)
        .where(current(contest.id), Draw.state == DrawState.COMMITTED)
        .order_by(Draw.sequence.desc())
        .limit(1)
    ).scalar_one_or_none()


def draw_summary(draw: Draw) -> dict:
    """What the admin and public pages show of one draw: its specification and record, the
    current winners (vacancies marked), for a supplementary draw whose lost prize each winner
    fills (by rank), the alternates not yet called, and the prizes' titles by position."""
    spec = json.loads(draw.spec)
    record = json.loads(draw.record) if draw.record else None
    return {
        "draw": draw,
        "spec": spec,
        "record": record,
        "winners": protocol.current_winners(record) if record else [],
        "fills": {w["rank"]: w["fills"] for w in protocol.filled_vacancies(spec, record)}
        if record
        else {},
        "alternates_left": protocol.alternates_left(record) if record else 0,
        #: Alternates who took a prize: listed as such, never as a winner and a waiting alternate.
        "called": {s["by_entry_id"] for s in record["substitutions"]} - {None} if record else set(),
        "prizes": {prize["position"]: prize["title"] for prize in spec["prizes"]},
    }


def ranked_entries(draws: list[Draw]) -> dict[int, Entry]:
    """The entries the drawn draws of one contest rank (winners, alternates, replaced winners), by
    their number (the records' ``entry_id``): what the organizer's winners board shows with names
    and contacts. One query for every draw."""
    ids: set[int] = set()
    for draw in draws:
        if draw.record:
            ids |= protocol.ranked_ids(json.loads(draw.record))
    if not ids:
        return {}
    return entries_numbered(draws[0].contest_id, ids)


def draw_won_by(contest: Contest, entry_id: int) -> Draw | None:
    """The drawn draw of the contest in which this entry currently holds a prize, if any."""
    for draw in draws_of(contest):
        if draw.state == DrawState.DRAWN and any(
            w["entry_id"] == entry_id for w in protocol.current_winners(json.loads(draw.record))
        ):
            return draw
    return None


def open_vacancies(draws: list[Draw]) -> tuple[Draw | None, list[dict]]:
    """The first drawn draw with prizes left vacant that no supplementary draw fills yet, and those
    vacancies."""
    covered: dict[int, set[int]] = {}
    for draw in draws:
        if draw.parent_id is not None:
            spec = json.loads(draw.spec)
            covered.setdefault(draw.parent_id, set()).update(
                v["entry_id"] for v in spec["supplementary"]["replaces"]
            )
    for draw in draws:
        if draw.state == DrawState.DRAWN:
            left = [
                v
                for v in protocol.vacancies(json.loads(draw.record))
                if v["entry_id"] not in covered.get(draw.id, ())
            ]
            if left:
                return draw, left
    return None, []


def _block(draw: Draw, number: int) -> bytes:
    """One block of the draw's entrant file (its lines, see DrawList)."""
    return db.session.execute(
        select(DrawListBlock.lines).where(
            DrawListBlock.draw_id == draw.id, DrawListBlock.number == number
        )
    ).scalar_one()


def _inclusion(draw: Draw, entry_id: int) -> tuple[int, bytes, list[bytes]] | None:
    """(position, line, Merkle path) of an entry in the draw's frozen list, or None."""
    index = db.session.execute(
        select(DrawList.receipt_index).where(DrawList.draw_id == draw.id)
    ).scalar()
    if index:
        number = lookup.locate(index, entry_id)
        if number is None:
            return None
        return lookup.prove(index, number, _block(draw, number), entry_id)
    # A draw made before the index existed: the whole file.
    lines = parse_entrant_file(draw.entrants_file or b"")
    ids = [int(line.split(b",", 1)[0]) for line in lines]
    at = bisect.bisect_left(ids, entry_id)
    if at == len(ids) or ids[at] != entry_id:
        return None
    leaves = [merkle.leaf_hash(line) for line in lines]
    return at, lines[at], merkle.inclusion_proof(leaves, at)


def receipt_inclusion(draw: Draw, contest: Contest, receipt_code: str) -> dict | None:
    """Where a receipt's entry stands in the frozen list, with its Merkle inclusion proof."""
    entry = db.session.execute(
        select(Entry).where(
            Entry.contest_id == contest.id, Entry.receipt_code == receipt_code.strip().upper()
        )
    ).scalar_one_or_none()
    if entry is None or draw.state != DrawState.DRAWN:
        return None
    found = _inclusion(draw, entry.number)
    if found is None:
        return {"entry_id": entry.number, "included": False}
    index, line, proof = found
    record = json.loads(draw.record)
    current = {w["entry_id"]: w for w in protocol.current_winners(record)}
    alternates = {a["entry_id"]: a for a in record["alternates"]}
    return {
        "entry_id": entry.number,
        "included": True,
        "index": index,
        "line": line.decode(),
        "proof": [h.hex() for h in proof],
        "winner": current.get(entry.number),
        "alternate": alternates.get(entry.number),
    }


def published_audit_heads():
    """(where, head) of every audit chain head the draw records published, oldest first."""
    rows = db.session.execute(
        select(Draw.id, Draw.record).where(Draw.record.is_not(None)).order_by(Draw.id)
    )
    for draw_id, record in rows:
        heads = json.loads(record).get("audit") or {}
        for moment in ("frozen", "drawn"):
            if heads.get(moment):
                yield f"draw {draw_id} ({moment})", heads[moment]
