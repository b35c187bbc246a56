"""An entrant's rights over their data, exercised from the signed link in every mail they get.

The rules list the rights (access, rectification, erasure, objection, withdrawal of consent); this
is how an entrant uses them without writing to anyone: see what is held about their entry,
download it as JSON, withdraw marketing consent (also in one click from their mail program,
RFC 8058), erase their data. Erasure is immediate for anyone who holds no prize: before the list
is frozen the entry leaves the contest (the rules say that erasure before the draw is withdrawal),
afterwards its line stays in the frozen list as an anonymous commitment, so the draw still
verifies. A winner's erasure before their prize is delivered, or while the delivery proof is kept,
is explained and becomes a request the organizer answers within a month.

The link names the entry and the first bytes of its identity key, signed with the app's secret:
it cannot be forged, and it stops working once the data it gives access to is erased.
"""

from __future__ import annotations

import json
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..identity import DisposableEmail, InvalidEmail, normalize_email
from ..jury.works import work_summary
from ..links import public_url
from ..mail import outbox_row, queue_row
from ..models import (
    HOLDING,
    Award,
    AwardStatus,
    Contest,
    DataRequest,
    Entry,
    EntryStatus,
    RequestKind,
    User,
)
from ..winners.freezing import list_is_frozen
from .receipts import receipt_line
from .retention import erase, retention_end

RIGHTS_SALT = "entrant-rights"
#: A winner holds a prize not yet in their hands: their address is still needed to deliver it.
PRIZE_PENDING = (
    AwardStatus.TO_NOTIFY,
    AwardStatus.NOTIFIED,
    AwardStatus.CLAIMED,
    AwardStatus.SHIPPED,
)


class InvalidRightsLink(Exception):
    """Not a link we signed."""


class ErasedRightsLink(Exception):
    """A link we signed, for an entry whose data is erased since."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=RIGHTS_SALT)


def rights_token(entry: Entry) -> str:
    return _serializer().dumps({"e": entry.id, "k": (entry.identity_key or "")[:16]})


def rights_url(entry: Entry) -> str:
    """The entrant's page: see, download, withdraw, erase (printed in every mail to them)."""
    return public_url(f"/me/{rights_token(entry)}")


def mail_entrant(contest: Contest, entry: Entry, subject: str, body: str, **extra) -> None:
    queue_row(entrant_row(contest, entry, subject, body, **extra))


def entrant_row(contest: Contest, entry: Entry, subject: str, body: str, **extra) -> dict:
    """The outbox row of a mail to an entrant, as every mail to entrants goes: from the contest's
    sender name, replies to its reply address, with the one-click unsubscribe link (RFC 8058)."""
    return outbox_row(
        entry.email,
        subject,
        body,
        entry_id=entry.id,
        sender_name=contest.sender_name,
        reply_to=contest.reply_address,
        list_unsubscribe=unsubscribe_url(entry),
        **extra,
    )


def unsubscribe_url(entry: Entry) -> str:
    """The one-click address that withdraws marketing consent (the List-Unsubscribe header)."""
    return public_url(f"/me/{rights_token(entry)}/unsubscribe")


def entry_for_token(token: str) -> Entry:
    """The entry a link names; InvalidRightsLink, or ErasedRightsLink once its data is gone."""
    try:
        data = _serializer().loads(token)
        entry = db.session.get(Entry, int(data["e"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidRightsLink from None
    if entry is None:
        raise InvalidRightsLink
    if entry.erased_at is not None or entry.identity_key[:16] != data.get("k"):
        raise ErasedRightsLink
    return entry


def _record(
    entry: Entry, kind: RequestKind, now: datetime, open_: bool = False, note: str = ""
) -> DataRequest:
    request = DataRequest(
        organization_id=entry_contest(entry).organization_id,
        contest_id=entry.contest_id,
        entry_id=entry.id,
        kind=kind,
        status="open" if open_ else "done",
        created_at=now,
        due_at=now + relativedelta(months=1),
        done_at=None if open_ else now,
        note=note,
    )
    db.session.add(request)
    db.session.flush()
    return request


def entry_contest(entry: Entry) -> Contest:
    return db.session.get(Contest, entry.contest_id)


def awards_of(entry: Entry) -> list[Award]:
    return list(
        db.session.execute(select(Award).where(Award.entry_id == entry.id).order_by(Award.id))
        .scalars()
        .all()
    )


def entries_of(entry: Entry) -> list[Entry]:
    """The person's entries in this contest (one per day under a daily policy), not erased."""
    return list(
        db.session.execute(
            select(Entry)
            .where(
                Entry.contest_id == entry.contest_id,
                Entry.identity_key == entry.identity_key,
                Entry.erased_at.is_(None),
            )
            .order_by(Entry.id)
        ).scalars()
    )


def _entry_data(entry: Entry, questions: dict[str, str]) -> dict:
    answers = json.loads(entry.answers or "{}")
    return {
        "number": entry.number,
        "receipt_code": entry.receipt_code,
        "status": entry.status,
        "entered_at": entry.created_at.isoformat(),
        "confirmed_at": entry.confirmed_at.isoformat() if entry.confirmed_at else None,
        "first_name": entry.first_name,
        "last_name": entry.last_name,
        "email": entry.email,
        "phone": entry.phone,
        "postal_code": entry.postal_code,
        "birth_date": entry.birth_date.isoformat() if entry.birth_date else None,
        "answers": {questions.get(key, key): value for key, value in answers.items()},
        "tie_breaker": entry.tie_breaker,
        "work": work_summary(entry.id),
        "marketing_opt_in": entry.marketing_opt_in,
        "channel": entry.source,
        "embedded_on": json.loads(entry.attribution) if entry.attribution else None,
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent,
        "line_in_the_draw": receipt_line(entry),
        "consents": [
            {
                "kind": consent.kind,
                "given_at": consent.given_at.isoformat(),
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
                "wording": consent.text.text,
            }
            for consent in entry.consents
        ],
        "prizes": [
            {
                "prize": award.prize_position,
                "status": award.status,
                "postal_address": award.postal_address,
                "town": award.town,
                "phone": award.phone,
                "birth_date": award.birth_date.isoformat() if award.birth_date else None,
                "publication": award.publication,
            }
            for award in awards_of(entry)
        ],
    }


def held_data(entry: Entry) -> dict:
    """Everything held about the person in this contest, as they download it (GDPR art. 15
    and 20)."""
    contest = entry_contest(entry)
    questions = {str(q.id): q.label for q in contest.questions}
    until, winners_until = retention_end(contest), retention_end(contest, winners=True)
    return {
        "contest": {
            "title": contest.title,
            "address": public_url(f"/c/{contest.slug}"),
            "controller": contest.legal_name or contest.organization.name,
            "privacy_contact": contest.dpo_contact,
        },
        "entries": [_entry_data(e, questions) for e in entries_of(entry)],
        "kept_until": until.isoformat() if until else None,
        "winners_kept_until": winners_until.isoformat() if winners_until else None,
    }


def record_access(entry: Entry, now: datetime, export: bool = False) -> None:
    """The entrant looked at (or downloaded) their data: recorded as the answer to a request,
    once a day at most (a page reloaded is not a new request)."""
    kind = RequestKind.EXPORT if export else RequestKind.ACCESS
    recent = db.session.execute(
        select(DataRequest.id).where(
            DataRequest.entry_id == entry.id,
            DataRequest.kind == kind,
            DataRequest.created_at > now - relativedelta(days=1),
        )
    ).first()
    if recent is None:
        _record(entry, kind, now)


def withdraw_marketing(entry: Entry, now: datetime, actor: User | None = None) -> bool:
    """Withdraw the person's marketing consent, on all their entries of the contest (False if
    there was none to withdraw). The proof of what was given stays, dated with its withdrawal."""
    given = [e for e in entries_of(entry) if e.marketing_opt_in]
    if not given:
        return False
    for each in given:
        each.marketing_opt_in = False
        for consent in each.consents:
            if consent.kind == "marketing" and consent.withdrawn_at is None:
                consent.withdrawn_at = now
    _record(entry, RequestKind.MARKETING, now)
    audit.record(
        "entry.marketing_withdrawn",
        actor=actor,
        contest=entry_contest(entry),
        entry_ids=[e.id for e in given],
    )
    db.session.flush()
    return True


def erasure_refusal(entry: Entry) -> str | None:
    """Why the person cannot erase their data themselves now (None if they can): a prize still
    to deliver, or the delivery proof the rules keep for the winners' period."""
    statuses = {award.status for e in entries_of(entry) for award in awards_of(e)}
    if statuses & set(PRIZE_PENDING):
        return "prize_pending"
    if statuses & set(HOLDING):
        return "delivery_proof"
    return None


def erase_entry(entry: Entry, now: datetime, actor: User | None = None, note: str = "") -> int:
    """Erase the person's data in this contest at once; return how many entries. Before the
    list is frozen the entries also leave the contest (their status can still change);
    afterwards their lines stay in the list, anonymous."""
    contest = entry_contest(entry)
    entries = entries_of(entry)
    frozen = list_is_frozen(contest.id)
    leaving = [] if frozen else [e for e in entries if e.status != EntryStatus.DISQUALIFIED]
    for each in leaving:
        each.status = EntryStatus.DISQUALIFIED
        each.disqualified_at = now
    db.session.flush()
    _record(entry, RequestKind.ERASURE, now, note=note)
    erase([e.id for e in entries], now, claims=True)
    for each in entries:
        db.session.refresh(each)
    audit.record(
        "entry.erased",
        actor=actor,
        contest=contest,
        entry_ids=[e.id for e in entries],
        left_contest=bool(leaving),
    )
    db.session.flush()
    return len(entries)


def erase_or_request(entry: Entry, now: datetime) -> bool:
    """What the entrant's "erase my data" does: erase at once (True), or, when a prize still
    needs their details or its delivery proof is kept, open a request for the organizer
    (False)."""
    refusal = erasure_refusal(entry)
    if refusal is not None:
        request_erasure(entry, now, refusal)
        return False
    erase_entry(entry, now)
    return True


def request_erasure(entry: Entry, now: datetime, reason: str) -> DataRequest:
    """A winner's erasure request the page cannot settle: open, due in a month."""
    for request in open_requests_of(entry):
        if request.kind == RequestKind.ERASURE:
            return request
    request = _record(entry, RequestKind.ERASURE, now, open_=True, note=reason)
    audit.record(
        "entry.erasure_requested", contest=entry_contest(entry), entry_id=entry.id, reason=reason
    )
    return request


def open_requests_of(entry: Entry) -> list[DataRequest]:
    return list(
        db.session.execute(
            select(DataRequest).where(
                DataRequest.entry_id == entry.id, DataRequest.status == "open"
            )
        ).scalars()
    )


def requests_of(organization_id: int) -> list[DataRequest]:
    """The organization's requests, open ones first (soonest due), then the latest done."""
    rows = db.session.execute(
        select(DataRequest)
        .where(DataRequest.organization_id == organization_id)
        .order_by(DataRequest.status.desc(), DataRequest.due_at, DataRequest.id.desc())
        .limit(500)
    ).scalars()
    return list(rows)


def close_request(
    request: DataRequest, now: datetime, actor: User, erase_now: bool, note: str = ""
) -> None:
    """The organizer answers an open request: erase the data now (the prize question settled),
    or close it with what was answered."""
    if request.status != "open":
        return
    if erase_now and request.entry.erased_at is None:
        contest = entry_contest(request.entry)
        ids = [e.id for e in entries_of(request.entry)]
        erase(ids, now, claims=True)
        audit.record("entry.erased", actor=actor, contest=contest, entry_ids=ids)
    request.status, request.done_at = "done", now
    request.note = " ".join(filter(None, [request.note, note]))[:2000]
    audit.record(
        "data_request.closed",
        actor=actor,
        organization_id=request.organization_id,
        request_id=request.id,
        erased=erase_now,
    )
    db.session.flush()


RIGHTS_SUBJECT = _l("Your data: %(title)s")


def mail_rights_link(contest: Contest, email: str) -> None:
    """Mail the entrant's link if this contest holds an entry from that mailbox; say nothing
    either way (the form answers the same, so it does not reveal who entered)."""
    try:
        key = normalize_email(email).key
    except (InvalidEmail, DisposableEmail):
        return
    entry = (
        db.session.execute(
            select(Entry)
            .where(
                Entry.contest_id == contest.id, Entry.email_key == key, Entry.erased_at.is_(None)
            )
            .order_by(Entry.id.desc())
        )
        .scalars()
        .first()
    )
    if entry is None:
        return
    with force_locale(contest.language):
        subject = str(RIGHTS_SUBJECT % {"title": contest.title})
        body = render_template("mail/rights_link.txt", contest=contest, entry=entry)
    mail_entrant(contest, entry, subject, body)
