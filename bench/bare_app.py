"""The reference the benchmark divides by: a bare Flask + SQLAlchemy app doing the minimum.

GET /form renders a template of the same size as the entry page with no database work;
POST /enter inserts one row of the same shape as an entry, with no validation at all.
"""
import os
import secrets

from flask import Flask, redirect, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, Boolean, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


PAGE = "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>" + (
    "<p>{{ text }}</p>" * 40) + "<form method=post>{% for f in fields %}<label>{{ f }}<input name={{ f }}></label>{% endfor %}</form></body></html>"

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
db.init_app(app)


@app.get("/form")
def form():
    return render_template_string(PAGE, title="Grand jeu", text="Lorem ipsum dolor sit amet " * 4,
                                  fields=["first_name", "last_name", "email"])


@app.post("/enter")
def enter():
    email = request.form["email"]
    db.session.add(BareEntry(first_name=request.form["first_name"], last_name=request.form["last_name"],
                             email=email, email_key=email.lower(), identity_key=email.lower()[:64],
                             receipt_code=secrets.token_hex(6)))
    db.session.commit()
    return redirect("/form", 303)


with app.app_context():
    db.create_all()
