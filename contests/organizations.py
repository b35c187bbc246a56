"""Organizers, the organizations they work for, and who may see what."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import audit
from .accounts import check_password_strength, normalize_login_email, set_password
from .errors import ValidationFailed
from .extensions import db
from .models import Membership, Organization, User


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
    organization: Organization,
    email: str,
    password: str | None,
    actor: User | None,
    role: str = "editor",
) -> User:
    """Give an organizer access to an organization, creating the account if a password is given.

    For the operator's command line and the tests; in the workspace, owners invite instead
    (``members.invite``), so that nobody joins without accepting."""
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
        db.session.add(Membership(user=user, organization=organization, role=role))
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
    check_password_strength(password, (email, organization_name))
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
        db.session.add(Membership(user=user, organization=organization, role="editor"))
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
