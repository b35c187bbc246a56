"""The proof of every consent an organization collected: who (entry, and address while it is
kept), which wording (its text and the SHA-256 that names its version), when, and when it was
withdrawn. Consent records outlive the retention purge, so the proof does too; an erased entry
is then known by its number only."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from ..extensions import db
from ..models import Consent, ConsentText, Contest, Entry

HEADER = [
    "contest",
    "entry",
    "email",
    "kind",
    "given_at_utc",
    "withdrawn_at_utc",
    "wording_sha256",
    "language",
    "wording",
]


def consent_rows(organization_id: int) -> Iterator[list[str]]:
    """Header, then one row per consent of the organization's contests, oldest first."""
    query = (
        select(
            Contest.slug,
            Entry.id,
            Entry.email,
            Consent.kind,
            Consent.given_at,
            Consent.withdrawn_at,
            ConsentText.sha256,
            ConsentText.language,
            ConsentText.text,
        )
        .join(Entry, Entry.id == Consent.entry_id)
        .join(Contest, Contest.id == Entry.contest_id)
        .join(ConsentText, ConsentText.sha256 == Consent.text_sha256)
        .where(Contest.organization_id == organization_id)
        .order_by(Consent.given_at, Consent.id)
    )
    rows = db.session.execute(query).all()
    yield HEADER
    for slug, entry_id, email, kind, given, withdrawn, sha, language, text in rows:
        yield [
            slug,
            str(entry_id),
            email,
            kind,
            given.isoformat(timespec="seconds"),
            withdrawn.isoformat(timespec="seconds") if withdrawn else "",
            sha,
            language,
            text,
        ]
