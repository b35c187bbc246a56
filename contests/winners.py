"""A contest's draw from the database: commit at publication, freeze and draw, substitute.

The protocol itself (hashes, selection, verification) lives in ``contests.draw`` and knows
nothing of the database; this module feeds it and stores what it returns.
"""
from __future__ import annotations

import bisect
import json
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from . import audit
from .draw import merkle, protocol, rfc3797
from .draw.canonical import MalformedEntrantFile, canonical_json, encode_line, entrant_commit, parse_entrant_file
from .errors import ValidationFailed, WrongState
from .extensions import db
from .models import Contest, Draw, Entry, State, User

TOOL = "contests 0.1.0"
#: Why a winner may be replaced by the next alternate (published with each substitution).
SUBSTITUTION_REASONS = ("unclaimed", "declined", "ineligible", "unreachable", "fraud")


def draw_of(contest: Contest) -> Draw | None:
    """The contest's draw committed at publication (sequence 1)."""
    return db.session.execute(select(Draw).where(Draw.contest_id == contest.id, Draw.sequence == 1)).scalar_one_or_none()


def draws_of(contest: Contest) -> list[Draw]:
    """The first draw, then any supplementary draws, in order."""
    return list(db.session.execute(select(Draw).where(Draw.contest_id == contest.id).order_by(Draw.sequence)).scalars())


def pending_draw(contest: Contest) -> Draw | None:
    """The commitment waiting for its public values, if any (at most one at a time)."""
    return db.session.execute(
        select(Draw).where(Draw.contest_id == contest.id, Draw.state == "committed").order_by(Draw.sequence.desc()).limit(1)
    ).scalar_one_or_none()


def draw_summary(draw: Draw) -> dict:
    """What the admin and public pages show of one draw: its specification and record, the
    current winners (vacancies marked), for a supplementary draw whose lost prize each winner
    fills (by rank), the alternates not yet called, and the prizes' titles by position."""
    spec = json.loads(draw.spec)
    record = json.loads(draw.record) if draw.record else None
    return {
        "draw": draw, "spec": spec, "record": record,
        "winners": protocol.current_winners(record) if record else [],
        "fills": {w["rank"]: w["fills"] for w in protocol.filled_vacancies(spec, record)} if record else {},
        "alternates_left": protocol.alternates_left(record) if record else 0,
        "prizes": {prize["position"]: prize["title"] for prize in spec["prizes"]},
    }


def draw_won_by(contest: Contest, entry_id: int) -> Draw | None:
    """The drawn draw of the contest in which this entry currently holds a prize, if any."""
    for draw in draws_of(contest):
        if draw.state == "drawn" and any(w["entry_id"] == entry_id for w in protocol.current_winners(json.loads(draw.record))):
            return draw
    return None


def open_vacancies(draws: list[Draw]) -> tuple[Draw | None, list[dict]]:
    """The first drawn draw with prizes left vacant that no supplementary draw fills yet, and those vacancies."""
    covered: dict[int, set[int]] = {}
    for draw in draws:
        if draw.parent_id is not None:
            spec = json.loads(draw.spec)
            covered.setdefault(draw.parent_id, set()).update(v["entry_id"] for v in spec["supplementary"]["replaces"])
    for draw in draws:
        if draw.state == "drawn":
            left = [v for v in protocol.vacancies(json.loads(draw.record)) if v["entry_id"] not in covered.get(draw.id, ())]
            if left:
                return draw, left
    return None, []


def draw_spec(contest: Contest, commitment: str) -> dict:
    """The specification published with the contest (docs/draw-protocol.md, section 1)."""
    return {
        "protocol": protocol.PROTOCOL,
        "version": protocol.VERSION,
        "algorithm": contest.draw_algorithm,
        "contest": {"id": contest.id, "slug": contest.slug},
        "prizes": [{"position": n, "title": p.title, "quantity": p.quantity} for n, p in enumerate(contest.prizes, start=1)],
        "alternates": contest.alternates_per_prize * len(contest.prizes),
        "eligibility": "confirmed entries, not disqualified",
        "entropy_sources": contest.entropy_source_list,
        "commitment": commitment,
        "closes_at": contest.ends_at.isoformat() if contest.ends_at else None,
    }


def commit_draw(contest: Contest, actor: User | None, now: datetime) -> Draw:
    """Fix the draw specification and the secret's hash; refused if one exists (UNIQUE)."""
    if draw_of(contest) is not None:
        raise WrongState(_l("This contest already has a published draw commitment; it cannot be replaced."))
    if not contest.entropy_source_list:
        raise ValidationFailed({"entropy_sources": [_l("Name at least one public source of randomness for the draw.")]})
    secret = secrets.token_hex(32)
    spec = draw_spec(contest, protocol.commitment(secret))
    draw = Draw(contest_id=contest.id, algorithm=contest.draw_algorithm, spec=canonical_json(spec).decode(),
                spec_hash=protocol.spec_hash(spec), server_secret=secret, state="committed", committed_at=now)
    db.session.add(draw)
    db.session.flush()
    audit.record("draw.committed", actor=actor, contest=contest, draw_id=draw.id, spec_hash=draw.spec_hash)
    return draw


def commit_supplementary(contest: Contest, sources: list[str], actor: User | None, now: datetime) -> Draw:
    """Commit a supplementary draw for the prizes a draw left vacant when its alternates ran out.

    Its list is fixed by rule in the specification, before any public value exists: the parent
    draw's entrant file less every entry ranked by an earlier draw of the contest (winners and
    alternates) and every entry no longer eligible (disqualified since). The verifier rebuilds
    it from the parent's file. A new secret, new public sources: nothing of the first draw's
    randomness is reused.
    """
    draws = draws_of(contest)
    if any(draw.state != "drawn" for draw in draws):
        raise WrongState(_l("A draw of this contest is still waiting for its public values."))
    parent, vacant = open_vacancies(draws)
    if parent is None:
        raise WrongState(_l("No prize is vacant: a supplementary draw only fills prizes left without an alternate."))
    named = [" ".join(source.split()) for source in sources if source.strip()]
    if not named:
        raise ValidationFailed({"entropy_sources": [_l("Name at least one public source of randomness for the draw.")]})
    if len(named) > 10 or any(len(source) > 300 for source in named):
        raise ValidationFailed({"entropy_sources": [_l("Name at most 10 sources of at most 300 characters each.")]})
    parent_file = parent.entrants_file or b""
    parent_ids = {int(line.split(b",", 1)[0]) for line in parent_file.splitlines()}
    ranked = set().union(*(protocol.ranked_ids(json.loads(d.record)) for d in draws))
    no_longer = set(db.session.execute(
        select(Entry.id).where(Entry.contest_id == contest.id, Entry.status != "confirmed")).scalars())
    excluded = sorted((ranked | no_longer) & parent_ids)
    if not protocol.derive_entrants(parent_file, excluded):
        raise WrongState(_l("No eligible entry is left for a supplementary draw."))
    parent_spec = json.loads(parent.spec)
    replaces = sorted(vacant, key=lambda vacancy: vacancy["prize_position"])  # stable: vacancy order within a prize
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
        "supplementary": {
            "sequence": sequence,
            "parent_draw": parent.id,
            "parent_spec_hash": parent.spec_hash,
            "parent_file_sha256": protocol.sha256_hex(parent_file),
            "replaces": replaces,
            "excluded": excluded,
        },
    }
    draw = Draw(contest_id=contest.id, sequence=sequence, parent_id=parent.id, algorithm=parent.algorithm,
                spec=canonical_json(spec).decode(), spec_hash=protocol.spec_hash(spec), server_secret=secret,
                state="committed", committed_at=now)
    db.session.add(draw)
    try:
        db.session.flush()
    except IntegrityError:
        # UNIQUE(contest_id, sequence): another organizer committed the same supplementary draw
        # first. The caller rolls back, as after any refusal.
        raise WrongState(_l("Another supplementary draw was committed meanwhile; reload the page.")) from None
    audit.record("draw.committed", actor=actor, contest=contest, draw_id=draw.id, spec_hash=draw.spec_hash,
                 supplementary_of=parent.id, replaces=[v["entry_id"] for v in replaces])
    return draw


PROGRESS_EVERY = 100_000


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _eligible(contest: Contest, progress=None):
    """The frozen list row by row, in entry id order: (id, weight, canonical line).

    The fallback of ``_frozen_list``: it also hashes the commitment of rows stored without one
    (written without the app: an import, a row older than the column).
    """
    table = Entry.__table__
    rows = db.session.connection().execute(
        select(table.c.id, table.c.weight, table.c.entrant_commit, table.c.salt, table.c.identity_key)
        .where(table.c.contest_id == contest.id, table.c.status == "confirmed")
        .order_by(table.c.id)
        .execution_options(stream_results=True, yield_per=20_000)
    )
    for count, (entry_id, weight, commit, salt, identity) in enumerate(rows, start=1):
        yield entry_id, weight, encode_line(entry_id, weight, commit or entrant_commit(bytes(salt), identity))
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)


def _frozen_list(contest: Contest, progress=None) -> protocol.FrozenList:
    """The frozen list, built by the database as the entrant file itself: one canonical line per
    eligible entry, in id order, LF-terminated.

    A million rows turned into Python tuples cost more than all the hashing; one string does not.
    The workers then check every line and that ids increase, as the verifier does.
    """
    if _on_postgresql():
        # COPY streams the rows as small messages, each already "<line>\n": faster than one
        # string_agg value (0.6 s against 0.9 s for a million), and libpq never holds a 74 MB
        # message (its buffers keep their largest size for the connection's life). Sorted in
        # memory: the default 4 MB work_mem would spill to disk.
        raw = db.session.connection().connection.driver_connection
        raw.execute("SET LOCAL work_mem = '256MB'")
        buffer = bytearray()
        with raw.cursor() as cursor, cursor.copy(
                "COPY (SELECT id::text || ',' || weight::text || ',' || entrant_commit FROM entries"
                " WHERE contest_id = %s AND status = 'confirmed' ORDER BY id) TO STDOUT", (contest.id,)) as copy:
            if progress is None:
                for block in copy:
                    buffer += block
            else:
                for count, block in enumerate(copy, start=1):  # PostgreSQL sends one message per row
                    buffer += block
                    if count % PROGRESS_EVERY == 0:
                        progress(count)
        data = bytes(buffer)
        del buffer
    else:
        # As a BLOB: bytes straight from SQLite, not a 74 MB str to encode into a second copy.
        # (SQLite promises no order for group_concat; the workers check that ids increase.)
        sql = ("SELECT CAST(group_concat(line, char(10)) || char(10) AS BLOB) FROM (SELECT id || ',' || weight || ','"
               " || entrant_commit AS line FROM entries WHERE contest_id = :contest AND status = 'confirmed' ORDER BY id)")
        data = db.session.execute(text(sql), {"contest": contest.id}).scalar() or b""
    frozen = protocol.FrozenList.from_file(data)
    if progress is not None and not _on_postgresql() and len(frozen) >= PROGRESS_EVERY:
        progress(len(frozen))  # SQLite builds the file in one step: one report, once it is read
    return frozen


def _store_entrants_file(draw_id: int, data: bytes) -> None:
    """Write the entrant file in the draw's transaction; on PostgreSQL as a binary parameter.

    psycopg sends bytes as hex text by default: twice the size, and most of the time of a
    million-entry draw went into encoding and parsing it.
    """
    if _on_postgresql():
        connection = db.session.connection()
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute("UPDATE draws SET entrants_file = %b WHERE id = %s", (data, draw_id))
        # libpq keeps its output buffer at the largest message sent (74 MB for a million entries)
        # for the connection's life: this one is closed when the session ends, not pooled.
        connection.detach()
    else:
        db.session.execute(update(Draw).where(Draw.id == draw_id).values(entrants_file=data))


def perform_draw(contest: Contest, entropy: list[str], actor: User | None, now: datetime, progress=None) -> Draw:
    """Freeze the eligible entries, compute the seed and the ordered result, store the record.

    ``progress``, if given, is called with the number of entries frozen so far, every 100,000.
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
    spec = json.loads(draw.spec)
    values = [" ".join(value.split()) for value in entropy]
    if len(values) != len(spec["entropy_sources"]) or not all(values):
        raise ValidationFailed({"entropy": [_l("Enter one value for each of the %(n)d public sources named before the close.",
                                               n=len(spec["entropy_sources"]))]})
    if draw.algorithm == protocol.RFC3797:
        try:
            rfc3797.key_string(values)
        except rfc3797.BadSource as error:
            raise ValidationFailed({"entropy": [_l("RFC 3797 values must be whole numbers separated by spaces (%(error)s).", error=str(error))]})
    claimed = db.session.execute(
        update(Draw).where(Draw.id == draw.id, Draw.state == "committed").values(state="drawn", drawn_at=now)
    ).rowcount
    if claimed != 1:
        raise WrongState(_l("This contest has already been drawn."))
    try:
        if draw.parent_id is not None:
            frozen = protocol.FrozenList.from_file(
                protocol.derive_entrants(draw.parent.entrants_file or b"", spec["supplementary"]["excluded"]))
        else:
            frozen = _frozen_list(contest, progress)
        if not frozen:
            # Refused after the claim: the caller's rollback undoes it (no count query over every entry first).
            raise WrongState(_l("There is no eligible entry to draw from."))
        record = protocol.build_record(spec, draw.server_secret, values, frozen, now.isoformat(), TOOL)
    except MalformedEntrantFile:
        if draw.parent_id is not None:
            raise
        # A line without its commitment (a row written without the app) or, in theory, an aggregate
        # out of id order (SQLite does not promise one): read row by row, hashing what is missing.
        frozen = protocol.FrozenList.from_records(_eligible(contest, progress))
        record = protocol.build_record(spec, draw.server_secret, values, frozen, now.isoformat(), TOOL)
    entrants_file = frozen.file_bytes()
    del frozen  # a million separate lines weigh about 115 MB: gone before the driver copies the file
    # The record first: SQLite rewrites the whole row, file included, on every UPDATE (storing the
    # file first made the record's UPDATE copy it again: 2.6-2.7 s against 2.35 s measured).
    db.session.execute(
        update(Draw).where(Draw.id == draw.id).values(
            entropy=json.dumps(values, ensure_ascii=False), record=json.dumps(record, ensure_ascii=False))
    )
    _store_entrants_file(draw.id, entrants_file)
    contest.state = State.DRAWN
    db.session.flush()
    db.session.refresh(draw)
    audit.record("draw.performed", actor=actor, contest=contest, draw_id=draw.id, sequence=draw.sequence, seed=record["seed"],
                 entrants=record["entrants"]["count"], merkle_root=record["entrants"]["merkle_root"])
    return draw


def substitute_winner(draw: Draw, entry_id: int, reason: str, actor: User | None, now: datetime) -> dict:
    """Give a winner's prize to the next alternate in published order, and append it to the record.

    With no alternate left the prize is recorded vacant (``by_entry_id`` None), for a
    supplementary draw to fill.
    """
    if draw.state != "drawn" or not draw.record:
        raise WrongState(_l("Substitutions apply to a drawn contest."))
    if reason not in SUBSTITUTION_REASONS:
        raise ValidationFailed({"reason": [_l("Choose a reason from the list.")]})
    old = draw.record
    record = json.loads(old)
    try:
        protocol.substitute(record, entry_id, reason, now.isoformat())
    except ValueError:
        raise ValidationFailed({"entry_id": [_l("Entry %(id)d is not a current winner.", id=entry_id)]}) from None
    new = json.dumps(record, ensure_ascii=False)
    # Optimistic: if another substitution landed meanwhile, the record changed and this one is refused.
    changed = db.session.execute(update(Draw).where(Draw.id == draw.id, Draw.record == old).values(record=new)).rowcount
    if changed != 1:
        raise WrongState(_l("The draw record changed meanwhile; reload and try again."))
    db.session.refresh(draw)
    substitution = record["substitutions"][-1]
    audit.record("draw.substituted", actor=actor, contest=draw.contest, draw_id=draw.id, **substitution)
    return substitution


def receipt_inclusion(draw: Draw, contest: Contest, receipt_code: str) -> dict | None:
    """Where a receipt's entry stands in the frozen list, with its Merkle inclusion proof."""
    entry = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.receipt_code == receipt_code.strip().upper())
    ).scalar_one_or_none()
    if entry is None or not draw.entrants_file:
        return None
    lines = parse_entrant_file(draw.entrants_file)
    ids = [int(line.split(b",", 1)[0]) for line in lines]
    index = bisect.bisect_left(ids, entry.id)
    if index == len(ids) or ids[index] != entry.id:
        return {"entry_id": entry.id, "included": False}
    leaves = [merkle.leaf_hash(line) for line in lines]
    record = json.loads(draw.record)
    current = {w["entry_id"]: w for w in protocol.current_winners(record)}
    alternates = {a["entry_id"]: a for a in record["alternates"]}
    return {
        "entry_id": entry.id,
        "included": True,
        "index": index,
        "line": lines[index].decode(),
        "proof": [h.hex() for h in merkle.inclusion_proof(leaves, index)],
        "winner": current.get(entry.id),
        "alternate": alternates.get(entry.id),
    }
