"""The reference the benchmark divides by: a bare Flask + SQLAlchemy app doing the minimum.

GET /form renders a template of the same size as the entry page with no database work;
POST /enter inserts one row of the same shape as an entry, with no validation at all.
POST /enter-same does, with SQLAlchemy Core and still no validation, the database work an entry
needs by the issue's own terms: read the contest, count the address's recent entries (fraud
signal), insert the entry, its consents and its receipt mail (outbox, same transaction). It is
not a target: it shows how much of the gap to /enter is the work itself. POST /enter-min keeps
only what no design can drop: the entry row and its mail in the outbox, in one transaction.
POST /enter-checked adds to it only what the issue names as required libraries: a Flask-WTF form
whose email field is checked by email-validator, a Flask-Limiter limit, an itsdangerous token.
"""

import os
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, redirect, render_template_string, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Email, Length


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BareEntry(db.Model):
    __tablename__ = "bare_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    identity_key: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(10), default="all")
    answers: Mapped[str] = mapped_column(Text, default="{}")
    marketing_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    tie_breaker: Mapped[int | None] = mapped_column(BigInteger)
    receipt_code: Mapped[str] = mapped_column(String(16))
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_bare_entries_ip", "contest_id", "ip_address", "created_at"),)


class BareConsent(db.Model):
    __tablename__ = "bare_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bare_entries.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text_sha256: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(DateTime)


class BareOutbox(db.Model):
    __tablename__ = "bare_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bare_entries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


PAGE = (
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>"
    + ("<p>{{ text }}</p>" * 40)
    + "<form method=post>{% for f in fields %}<label>{{ f }}<input name={{ f }}></label>"
    + "{% endfor %}</form></body></html>"
)

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
app.config["WTF_CSRF_ENABLED"] = False  # the signed token stands for it, as in the app
db.init_app(app)
limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")
TOKENS = URLSafeTimedSerializer("bare-bench-secret", salt="form")


class CheckedForm(FlaskForm):
    form_token = StringField()
    first_name = StringField(validators=[DataRequired(), Length(max=100)])
    last_name = StringField(validators=[DataRequired(), Length(max=100)])
    email = StringField(
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    accept_rules = BooleanField(validators=[DataRequired()])


@app.get("/form")
def form():
    return render_template_string(
        PAGE,
        title="Grand jeu",
        text="Lorem ipsum dolor sit amet " * 4,
        fields=["first_name", "last_name", "email"],
    )


@app.post("/enter")
def enter():
    email = request.form["email"]
    db.session.add(
        BareEntry(
            first_name=request.form["first_name"],
            last_name=request.form["last_name"],
            email=email,
            email_key=email.lower(),
            identity_key=email.lower()[:64],
            receipt_code=secrets.token_hex(6),
        )
    )
    db.session.commit()
    return redirect("/form", 303)


CONTEST = text("SELECT * FROM contests WHERE slug = :slug")
BURST = select(func.count()).select_from(
    select(BareEntry.id)
    .where(
        BareEntry.contest_id == bindparam("contest"),
        BareEntry.ip_address == bindparam("ip"),
        BareEntry.created_at >= bindparam("since"),
    )
    .limit(5)
    .subquery()
)
ENTRY = insert(BareEntry).returning(BareEntry.id)
CONSENTS = insert(BareConsent.__table__)
OUTBOX = insert(BareOutbox.__table__)


def _entry_and_mail(contest_id: int, now: datetime) -> int:
    """The entry row and its receipt mail: what every entry writes, whatever else it does."""
    email = request.form["email"]
    entry_id = db.session.execute(
        ENTRY,
        {
            "contest_id": contest_id,
            "status": "confirmed",
            "first_name": request.form["first_name"],
            "last_name": request.form["last_name"],
            "email": email,
            "email_key": email.lower(),
            "identity_key": email.lower()[:64],
            "period": "all",
            "answers": "{}",
            "marketing_opt_in": False,
            "receipt_code": secrets.token_hex(6),
            "ip_address": request.remote_addr,
            "created_at": now,
        },
    ).scalar()
    db.session.execute(
        OUTBOX,
        {
            "recipient": email,
            "subject": "Your entry",
            "body": "Receipt " * 40,
            "entry_id": entry_id,
            "created_at": now,
        },
    )
    return entry_id


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@app.post("/enter-same")
def enter_same():
    now, session = _now(), db.session
    contest = session.execute(CONTEST, {"slug": "demo"}).first()
    session.execute(
        BURST,
        {"contest": contest.id, "ip": request.remote_addr, "since": now - timedelta(minutes=10)},
    ).scalar()
    entry_id = _entry_and_mail(contest.id, now)
    session.execute(
        CONSENTS,
        [
            {"entry_id": entry_id, "kind": kind, "text_sha256": "0" * 64, "given_at": now}
            for kind in ("rules", "age")
        ],
    )
    session.commit()
    return redirect("/form", 303)


@app.post("/enter-min")
def enter_min():
    _entry_and_mail(1, _now())
    db.session.commit()
    return redirect("/form", 303)


@app.get("/token")
def token():
    return TOKENS.dumps({"c": 1})


@app.post("/enter-checked")
@limiter.limit("10000000 per minute")
def enter_checked():
    form = CheckedForm()
    try:
        TOKENS.loads(form.form_token.data or "", max_age=3600)
    except BadData:
        return "bad token", 400
    if not form.validate():
        return "invalid", 400
    return enter_min()


with app.app_context():
    db.create_all()
