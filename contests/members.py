"""Who may do what in an organization, and how people join it.

Three roles: the **owner** does everything, members included; an **editor** runs the contests
(terms, entries, draws, winners, data requests); a **viewer** sees everything and changes nothing,
a read-only login for the client. Nobody is added to an organization without saying yes: an owner
invites an address, the invitee follows the signed link mailed to it and accepts (signing in, or
creating their account there). The owner's screen answers the same whether or not the address
already has an account, so it reveals nothing about other organizations' people.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from . import audit
from .accounts import normalize_login_email, set_password
from .errors import ValidationFailed, WrongState
from .extensions import db
from .mail import queue_mail
from .models import Invitation, Membership, Organization, User

ROLES = ("owner", "editor", "viewer")
ROLE_LABELS = {
    "owner": _l("Owner"),
    "editor": _l("Editor"),
    "viewer": _l("Viewer (read only)"),
}
#: How long an invitation link works.
VALID_FOR = timedelta(days=7)
INVITATION_SALT = "organization-invitation"


class InvalidInvitation(Exception):
    """Not a link we signed, or one that no longer works; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def role_of(user: User, organization_id: int) -> str | None:
    return db.session.execute(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.organization_id == organization_id
        )
    ).scalar_one_or_none()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(invitation: Invitation) -> str:
    return _serializer().dumps({"i": invitation.id, "e": invitation.email})


def invite(
    organization: Organization, email: str, role: str, actor: User, now: datetime, base_url: str
) -> Invitation:
    """Invite an address with a role; mail it the link to accept. An address already invited
    gets a fresh invitation (the older one stops working)."""
    email = normalize_login_email(email)
    if role not in ROLES:
        raise ValidationFailed({"role": [_l("Choose a role.")]})
    member = db.session.execute(
        select(Membership.id)
        .join(User)
        .where(Membership.organization_id == organization.id, User.email == email)
    ).first()
    if member is not None:
        raise ValidationFailed({"email": [_l("This person is already a member.")]})
    for older in pending_invitations(organization):
        if older.email == email:
            older.revoked_at = now
    invitation = Invitation(
        organization_id=organization.id,
        email=email,
        role=role,
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    db.session.add(invitation)
    db.session.flush()
    url = f"{base_url.rstrip('/')}/auth/invitation/{invitation_token(invitation)}"
    subject = str(_l("Join %(organization)s on contests", organization=organization.name))
    body = render_template(
        "mail/invitation.txt",
        organization=organization,
        inviter=actor.email,
        role=ROLE_LABELS[role],
        url=url,
        days=VALID_FOR.days,
    )
    queue_mail(email, subject, body, sender_name=organization.name, reply_to=actor.email)
    audit.record(
        "organization.invited",
        actor=actor,
        organization_id=organization.id,
        invitation_id=invitation.id,
        role=role,
    )
    return invitation


def pending_invitations(organization: Organization) -> list[Invitation]:
    return list(
        db.session.execute(
            select(Invitation)
            .where(
                Invitation.organization_id == organization.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at)
        ).scalars()
    )


def invitation_for_token(token: str, now: datetime) -> Invitation:
    try:
        data = _serializer().loads(token)
        invitation = db.session.get(Invitation, int(data["i"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidInvitation("invalid") from None
    if invitation is None or invitation.email != data.get("e"):
        raise InvalidInvitation("invalid")
    if invitation.accepted_at is not None:
        raise InvalidInvitation("used")
    if invitation.revoked_at is not None:
        raise InvalidInvitation("revoked")
    if invitation.expires_at <= now:
        raise InvalidInvitation("expired")
    return invitation


def account_exists(email: str) -> bool:
    return db.session.execute(select(User.id).where(User.email == email)).first() is not None


def accept(invitation: Invitation, user: User, now: datetime) -> Membership:
    """The invitee, signed in as the invited address, joins with the invited role."""
    if user.email != invitation.email:
        raise WrongState(
            _l(
                "This invitation is for %(email)s: sign in with that address.",
                email=invitation.email,
            )
        )
    invitation.accepted_at = now
    membership = db.session.execute(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == invitation.organization_id,
        )
    ).scalar_one_or_none()
    if membership is not None:  # joined meanwhile (another invitation, the CLI): nothing to add
        return membership
    membership = Membership(
        user=user, organization_id=invitation.organization_id, role=invitation.role
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "organization.member_joined",
        actor=user,
        organization_id=invitation.organization_id,
        invitation_id=invitation.id,
        role=invitation.role,
    )
    return membership


def accept_with_new_account(invitation: Invitation, password: str, now: datetime) -> User:
    """The invitee has no account yet: create it with their password, then join."""
    if account_exists(invitation.email):
        raise WrongState(_l("An account exists for this address: sign in to accept."))
    user = User(email=invitation.email)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", organization_id=invitation.organization_id, user_id=user.id)
    accept(invitation, user, now)
    return user


def _owners(organization_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == organization_id, Membership.role == "owner")
    ).scalar()


def _membership(organization: Organization, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != organization.id:
        raise WrongState(_l("This person is not a member."))
    return membership


def change_role(organization: Organization, membership_id: int, role: str, actor: User) -> None:
    if role not in ROLES:
        raise ValidationFailed({"role": [_l("Choose a role.")]})
    membership = _membership(organization, membership_id)
    if membership.role == "owner" and role != "owner" and _owners(organization.id) == 1:
        raise WrongState(_l("An organization keeps at least one owner."))
    membership.role = role
    audit.record(
        "organization.role_changed",
        actor=actor,
        organization_id=organization.id,
        user_id=membership.user_id,
        role=role,
    )


def remove_member(organization: Organization, membership_id: int, actor: User) -> None:
    membership = _membership(organization, membership_id)
    if membership.role == "owner" and _owners(organization.id) == 1:
        raise WrongState(_l("An organization keeps at least one owner."))
    audit.record(
        "organization.member_removed",
        actor=actor,
        organization_id=organization.id,
        user_id=membership.user_id,
    )
    db.session.delete(membership)
    db.session.flush()


def revoke(organization: Organization, invitation_id: int, actor: User, now: datetime) -> None:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id:
        raise WrongState(_l("This invitation does not exist."))
    invitation.revoked_at = now
    audit.record(
        "organization.invitation_revoked",
        actor=actor,
        organization_id=organization.id,
        invitation_id=invitation.id,
    )
