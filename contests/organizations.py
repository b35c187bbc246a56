"""Organizers, the organizations they work for, and who may see what."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .errors import ValidationFailed
from .extensions import db
from .models import Membership, Organization, User, UserSession

MIN_PASSWORD_LENGTH = 10


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash to check against when the account does not exist, so timing does not reveal emails.

    Made with the configured method, so that it costs what a real account's check costs.
    """
    return generate_password_hash("not-a-real-password", method=method)


def normalize_login_email(email: str) -> str:
    """Lower-case and validate an organizer's email (accounts are looked up case-insensitively)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed(
            {"email": [_l("Enter a valid email address, such as contact@example.org.")]}
        ) from None


def login_key(email: str) -> str:
    """The account an address designates at sign-in (what throttling counts against)."""
    try:
        return normalize_login_email(email[:254])
    except ValidationFailed:
        return email.strip().casefold()[:254]


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            {
                "password": [
                    _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
                ]
            }
        )


def authenticate(email: str, password: str) -> User | None:
    """Return the organizer whose credentials these are, spending the same time either way."""
    try:
        email = normalize_login_email(email)
    except ValidationFailed:
        return None
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = generate_password_hash(password, method=_hash_method())


def find_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalize_login_email(email))
    ).scalar_one_or_none()


def create_organization(name: str, owner: User | None = None) -> Organization:
    """Create a client organization; its creator becomes its owner."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ValidationFailed(
            {"name": [_l("Give the organization a name of at most 200 characters.")]}
        )
    organization = Organization(name=name)
    db.session.add(organization)
    db.session.flush()
    if owner is not None:
        db.session.add(Membership(user=owner, organization=organization, role="owner"))
    audit.record("organization.created", actor=owner, organization_id=organization.id, name=name)
    return organization


def organization_named(name: str) -> Organization | None:
    """Find an organization by exact name (what the CLI accepts besides an id)."""
    rows = (
        db.session.execute(select(Organization).where(Organization.name == " ".join(name.split())))
        .scalars()
        .all()
    )
    return rows[0] if len(rows) == 1 else None


def add_member(
    organization: Organization, email: str, password: str | None, actor: User | None
) -> User:
    """Give an organizer access to an organization, creating the account if a password is given."""
    user = find_user(email)
    if user is None:
        if not password:
            raise ValidationFailed(
                {
                    "password": [
                        _l(
                            "No organizer has this email yet: give an initial password to create "
                            "the account."
                        )
                    ]
                }
            )
        user = User(email=normalize_login_email(email))
        set_password(user, password)
        db.session.add(user)
        db.session.flush()
        audit.record("user.created", actor=actor, organization_id=organization.id, user_id=user.id)
    already = db.session.execute(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == organization.id
        )
    ).scalar_one_or_none()
    if already is None:
        db.session.add(Membership(user=user, organization=organization, role="member"))
        db.session.flush()
        audit.record(
            "organization.member_added",
            actor=actor,
            organization_id=organization.id,
            user_id=user.id,
        )
    return user


def create_organizer(
    email: str, password: str, organization_name: str
) -> tuple[User, Organization]:
    """Create an organizer account in the named organization (created if it does not exist)."""
    email = normalize_login_email(email)
    check_password_strength(password)
    if find_user(email) is not None:
        raise ValidationFailed({"email": [_l("An organizer with this email already exists.")]})
    organization = organization_named(organization_name)
    user = User(email=email)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    if organization is None:
        organization = create_organization(organization_name, owner=user)
    else:
        db.session.add(Membership(user=user, organization=organization, role="member"))
    audit.record("user.created", organization_id=organization.id, user_id=user.id)
    return user, organization


def organizations_of(user: User) -> list[Organization]:
    return list(
        db.session.execute(
            select(Organization)
            .join(Membership)
            .where(Membership.user_id == user.id)
            .order_by(Organization.name, Organization.id)
        ).scalars()
    )


def membership_organization(user: User, organization_id: int) -> Organization | None:
    """The organization if ``user`` belongs to it, else None (callers answer 404, never 403)."""
    return db.session.execute(
        select(Organization)
        .join(Membership)
        .where(Membership.user_id == user.id, Organization.id == organization_id)
    ).scalar_one_or_none()


def members_of(organization: Organization) -> list[Membership]:
    return list(
        db.session.execute(
            select(Membership)
            .join(User)
            .where(Membership.organization_id == organization.id)
            .order_by(User.email)
        ).scalars()
    )


# --- sign-in sessions ----------------------------------------------------------------------

#: How long a sign-in lasts (the cookie's own lifetime is the same).
SESSION_HOURS = 12


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, now: datetime, user_agent: str = "") -> str:
    """Record a new sign-in of ``user``; return the token its cookie carries."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_sha256=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
            user_agent=user_agent[:300],
        )
    )
    db.session.flush()
    audit.record("user.signed_in", actor=user)
    user.session_token = token
    return token


def session_user(token: str, now: datetime) -> User | None:
    """The organizer a cookie's token signs in, if its session is neither revoked nor expired."""
    if not token or len(token) > 100:
        return None
    user = db.session.execute(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_sha256 == _token_hash(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
    ).scalar_one_or_none()
    if user is not None:
        user.session_token = token
    return user


def close_session(token: str, now: datetime) -> None:
    """Sign one browser out: its cookie, even copied elsewhere, no longer works."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_sha256 == _token_hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def close_all_sessions(user: User, now: datetime) -> int:
    """Sign ``user`` out of every browser; return how many sessions were open."""
    closed = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    audit.record("user.signed_out_everywhere", actor=user, sessions=closed)
    return closed
