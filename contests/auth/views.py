"""Sign-in, sign-out and the organizer's choice of language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..models.types import utcnow
from ..organizations import (
    authenticate,
    close_all_sessions,
    close_session,
    login_key,
    open_session,
)
from ..transaction import unit_of_work
from .forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _failed(response) -> bool:
    """Only failed sign-ins count towards the throttle; a redirect means success."""
    return response.status_code != 302


def _account_key() -> str:
    """The account a sign-in tries, as sign-in itself reads it: the normalized address, so that
    ``carol@ｃ.example`` (fullwidth) or ``Carol@C.example`` spends carol@c.example's budget."""
    return "login:" + login_key(request.form.get("email") or "")


def _safe_next(target: str | None) -> str | None:
    """Follow ``next`` only to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    deduct_when=_failed,
    key_func=_account_key,
)
def login():
    """Sign an organizer in; throttled per address and per account after failures."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            language = session.get("lang")
            session.clear()  # a fresh session on sign-in: no fixation
            if language:
                session["lang"] = language
            with unit_of_work():
                open_session(user, utcnow(), request.user_agent.string or "")
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.home"))
        form.password.errors.append(_("Wrong email or password."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, so that a link on another site cannot sign anyone out); the session is
    revoked on the server, so a copy of the cookie stops working too."""
    if current_user.is_authenticated:
        with unit_of_work():
            close_session(current_user.session_token, utcnow())
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout-everywhere", methods=["POST"])
def logout_everywhere():
    """Sign out of every browser and device (a lost phone, a shared computer)."""
    if current_user.is_authenticated:
        with unit_of_work():
            close_all_sessions(current_user, utcnow())
    logout_user()
    session.clear()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the UI language in the session, and on the account when signed in."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            with unit_of_work():
                current_user.ui_locale = form.lang.data
        refresh()
    return redirect(_safe_next(request.form.get("next")) or url_for("admin.home"))
