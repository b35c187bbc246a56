"""Organizer accounts: passwords (strength, change, reset by mail), sign-in and its sessions.

Entrants never have an account; this is the organizers' side only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .errors import ValidationFailed
from .extensions import db
from .models import User, UserSession

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


#: zxcvbn's dictionaries are English; the passwords French users pick most often (from public
#: leak studies) are checked the same way, as a dictionary of their own.
FRENCH_COMMON_PASSWORDS = (
    "azerty",
    "azertyuiop",
    "motdepasse",
    "marseille",
    "doudou",
    "loulou",
    "soleil",
    "chouchou",
    "jetaime",
    "coucou",
    "bonjour",
    "princesse",
    "vacances",
    "chocolat",
    "nicolas",
    "camille",
    "julien",
    "olivier",
    "thomas",
    "alexandre",
    "maxime",
    "antoine",
    "celine",
    "nathalie",
    "isabelle",
    "sandrine",
    "stephanie",
    "amandine",
    "poussin",
    "bisounours",
    "tintin",
    "paris",
    "lyon",
    "toulouse",
    "bordeaux",
    "france",
    "liberte",
    "musique",
    "football",
    "concours",
    "jeuconcours",
    "musee",
    "theatre",
    "agence",
)
#: zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" (about 10^8 guesses and up).
MIN_PASSWORD_SCORE = 3


def check_password_strength(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse short passwords and those close to a common password, a name, a date or a keyboard
    pattern (zxcvbn, with the account's own email and names as words to avoid)."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            {
                "password": [
                    _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
                ]
            }
        )
    words = [part for value in user_inputs for part in _words(value)]
    score = zxcvbn(password[:200], user_inputs=[*words, *FRENCH_COMMON_PASSWORDS])["score"]
    if score < MIN_PASSWORD_SCORE or _only_personal(password, words):
        raise ValidationFailed({"password": [WEAK_PASSWORD]})


WEAK_PASSWORD = _l(
    "This password is too easy to guess: it is close to a common password, a name, a date or a "
    "keyboard pattern. Several unrelated words make a strong one."
)


def _only_personal(password: str, words: list[str]) -> bool:
    """A password built from the account's own words plus digits and punctuation
    ("Théâtre Carol 2026"): zxcvbn scores the added length, an attacker starts with those words."""
    rest = password.lower()
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, "")
    return sum(ch.isalpha() for ch in rest) < 4


def _words(value: str) -> list[str]:
    """An email or a name as the words a password might be built from."""
    lowered = value.lower()
    return [lowered, *(word for word in re.split(r"[^\w]+", lowered) if len(word) >= 3)]


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
    check_password_strength(password, (user.email or "",))
    user.password_hash = generate_password_hash(password, method=_hash_method())


def change_password(
    user: User, current: str, new: str, keep_token: str | None, now: datetime
) -> None:
    """Change a signed-in organizer's password; every other session of the account ends."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed({"current_password": [_l("This is not your current password.")]})
    set_password(user, new)
    _revoke_sessions(user, now, keep_token)
    audit.record("user.password_changed", actor=user)


# --- password reset by mail ----------------------------------------------------------------

RESET_SALT = "password-reset"
#: How long a reset link works.
RESET_MAX_AGE = 3600


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def reset_token(user: User) -> str:
    """A signed, expiring token naming the account and a digest of its current password: once the
    password changes (the link used, or a newer one), the token no longer matches."""
    return _reset_serializer().dumps({"u": user.id, "p": _token_hash(user.password_hash)[:16]})


def request_password_reset(email: str, base_url: str, now: datetime) -> bool:
    """Mail a reset link to the account of this address, if there is one (the caller says the
    same either way, so the form tells nobody which addresses have an account)."""
    from flask import render_template
    from flask_babel import force_locale

    from .mail import queue_mail

    try:
        address = normalize_login_email(email)
    except ValidationFailed:
        return False
    user = db.session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None:
        return False
    url = f"{base_url.rstrip('/')}/auth/reset/{reset_token(user)}"
    with force_locale(user.ui_locale or "fr"):
        subject = str(_l("Choose a new password"))
        body = render_template("mail/password_reset.txt", url=url, minutes=RESET_MAX_AGE // 60)
    queue_mail(user.email, subject, body)
    audit.record("user.password_reset_requested", actor=user)
    return True


def user_for_reset(token: str) -> User:
    """The account a reset link is for, or raise (expired, forged, or already used)."""
    try:
        payload = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise ValidationFailed({"password": [RESET_EXPIRED]}) from None
    except BadSignature:
        raise ValidationFailed({"password": [RESET_INVALID]}) from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = (
        db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    )
    if user is None or _token_hash(user.password_hash)[:16] != payload.get("p"):
        raise ValidationFailed({"password": [RESET_INVALID]})
    return user


def reset_password(token: str, new: str, now: datetime) -> User:
    """Set a new password from a mailed link; every session of the account ends."""
    user = user_for_reset(token)
    set_password(user, new)
    _revoke_sessions(user, now)
    audit.record("user.password_reset", actor=user)
    return user


RESET_EXPIRED = _l("This link has expired. Ask for a new one.")
RESET_INVALID = _l("This link is not valid, or it has already been used. Ask for a new one.")


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


def _revoke_sessions(user: User, now: datetime, keep_token: str | None = None) -> int:
    """End every open session of ``user`` but the one ``keep_token`` names; return how many."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_sha256 != _token_hash(keep_token))
    return db.session.execute(query.values(revoked_at=now)).rowcount


def close_all_sessions(user: User, now: datetime) -> int:
    """Sign ``user`` out of every browser; return how many sessions were open."""
    closed = _revoke_sessions(user, now)
    audit.record("user.signed_out_everywhere", actor=user, sessions=closed)
    return closed
