"""The record of processing activities (GDPR art. 30(1)) for an organization's contests, written
from what each contest declares and what the app does with the data, so that it stays true: the
categories are the fields the form asks, the periods are the ones the purge keeps to, the
recipients and transfers are the ones the rules print.

Each contest is one processing activity. The text is made of translatable sentences, so the same
record reads in French or English (the view renders it under the chosen locale).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Contest, Organization, State
from .retention import retention_end


@dataclass
class Activity:
    """One contest's entry in the record."""

    contest: Contest
    controller: str
    contact: str
    purposes: list = field(default_factory=list)  # (purpose, legal basis)
    subjects: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    recipients: str = ""
    transfers: str = ""
    retention: list = field(default_factory=list)
    security: list = field(default_factory=list)


SECURITY = [
    _l(
        "Organizer accounts with hashed passwords and revocable sessions; each organization sees "
        "only its own contests (checked on every request)."
    ),
    _l("Every change recorded in a hash-chained audit log."),
    _l("Published draw data holds no personal data: entries appear as salted commitments."),
    _l(
        "Personal data erased automatically at the end of its retention period, and at once on an "
        "entrant's request when no prize is to be delivered."
    ),
    _l(
        "Forms protected against cross-site request forgery; pages sent with strict security "
        "headers; mail links signed."
    ),
]


def _categories(contest: Contest) -> list:
    categories = [_l("Identity: first name, last name"), _l("Email address")]
    if contest.phone_field != "off":
        categories.append(_l("Phone number"))
    if contest.postal_code_field != "off":
        categories.append(_l("Postal code"))
    if contest.ask_birth_date:
        categories.append(_l("Date of birth"))
    if contest.questions:
        categories.append(_l("Answers to the contest's questions"))
    if contest.mechanic != "random_draw":
        categories.append(_l("Answer to the tie-breaker question"))
    categories += [
        _l("Consents given, with their wording and time"),
        _l("Technical data: network address, browser, page the form was embedded in"),
        _l("Winners: postal address, town, phone, prize claim and delivery"),
    ]
    return categories


def activity(contest: Contest) -> Activity:
    """The record's entry for one contest."""
    months = contest.data_retention_months
    winners = contest.winners_retention_months or months
    end = retention_end(contest)
    retention = [
        _l(
            "Entrants: %(months)s months after the end of the contest (%(date)s), then erased by "
            "the application.",
            months=months or "?",
            date=end.date().isoformat() if end else "?",
        ),
        _l(
            "Winners: %(months)s months after the end of the contest, for proof of delivery.",
            months=winners or "?",
        ),
        _l(
            "Proof of consent and the anonymous list of entries published with the draw: kept, "
            "without the other data."
        ),
    ]
    return Activity(
        contest=contest,
        controller=contest.legal_name or contest.organization.name,
        contact=contest.dpo_contact or contest.contact_email,
        purposes=[
            (
                _l("Running the contest, selecting and informing the winners, delivering prizes"),
                _l("Contract: acceptance of the rules (art. 6(1)(b))"),
            ),
            (
                _l("Preventing multiple entries and fraud"),
                _l("Legitimate interest in fair play among entrants (art. 6(1)(f))"),
            ),
            (
                _l("Proof of entries, consents and the draw"),
                _l("Legal obligation and legitimate interest (art. 6(1)(c) and (f))"),
            ),
            (
                _l("Offers from the organizer, for entrants who agreed"),
                _l("Consent, optional and withdrawable (art. 6(1)(a))"),
            ),
        ],
        subjects=[_l("Entrants"), _l("Winners")],
        categories=_categories(contest),
        recipients=contest.data_recipients
        or str(
            _l(
                "The organizer's authorised staff and its technical processors (hosting, email "
                "delivery); for prizes, the carrier."
            )
        ),
        transfers=contest.data_transfers or str(_l("None outside the European Union.")),
        retention=retention,
        security=SECURITY,
    )


def record_of(organization: Organization) -> list[Activity]:
    """The organization's record: one activity per contest that collected or may collect data
    (drafts collect nothing)."""
    contests = db.session.execute(
        select(Contest)
        .where(Contest.organization_id == organization.id, Contest.state != State.DRAFT)
        .order_by(Contest.starts_at, Contest.id)
    ).scalars()
    return [activity(contest) for contest in contests]
