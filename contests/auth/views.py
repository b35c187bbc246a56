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

from ..accounts import (
    authenticate,
    close_all_sessions,
    close_session,
    login_key,
    open_session,
    request_password_reset,
    user_for_reset,
)
from ..accounts import (
    change_password as change_account_password,
)
from ..accounts import (
    reset_password as reset_account_password,
)
from ..errors import ValidationFailed
from ..extensions import limiter
from ..links import public_base
from ..models.types import utcnow
from ..transaction import unit_of_work
from ..web.boundary import attach_errors, change
from .forms import LanguageForm, LoginForm, PasswordChangeForm, ResetForm, ResetRequestForm

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


def start_session(user) -> None:
    """Sign ``user`` in on a fresh session (no fixation), keeping the chosen language, with its
    server-side record (revocable)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    with unit_of_work():
        open_session(user, utcnow(), request.user_agent.string or "")
    login_user(user)


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
            start_session(user)
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


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change one's password; the other sessions of the account end, this one stays."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with change(form) as outcome:
            change_account_password(
                current_user,
                form.current_password.data,
                form.password.data,
                current_user.session_token,
                utcnow(),
            )
        if outcome.ok:
            flash(_("Your password is changed; your other devices are signed out."), "success")
            return redirect(url_for("admin.home"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ResetRequestForm()
    sent = False
    if form.validate_on_submit():
        with change(form) as outcome:
            request_password_reset(form.email.data, public_base(), utcnow())
        sent = outcome.ok
    return render_template("auth/reset_request.html", form=form, sent=sent)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from the mailed link (GET only shows the form: link scanners change
    nothing); every session of the account ends."""
    form = ResetForm()
    try:
        user_for_reset(token)
        usable = True
    except ValidationFailed as error:
        attach_errors(form, error)
        usable = False
    if usable and form.validate_on_submit():
        with change(form) as outcome:
            reset_account_password(token, form.password.data, utcnow())
        if outcome.ok:
            flash(_("Your password is changed. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/reset.html", form=form, usable=usable), status


# The invitation views register themselves on ``bp`` when their module is imported.
from . import invitations  # noqa: E402, F401
