"""Published rules are frozen: version 1 at publication, then one dated amendment (avenant) per
change.

Each version stores the rendered text and its SHA-256, so what an entrant accepted on a given
day can always be shown again, byte for byte, whatever happens to the templates later.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import audit
from ..errors import PublishRefused
from ..extensions import db
from ..models import Contest, Draw, RulesVersion, User
from ..models.types import utcnow
from .registration import bond_threshold
from .templates import (
    RulesLinks,
    RulesTemplate,
    content_hash,
    load_templates,
    render_rules,
    rules_context,
    template_for,
    written_datetime,
)
from .thresholds import form_1099_threshold
from .typography import local_time


def templates_root() -> Path:
    return Path(current_app.config["RULES_TEMPLATES_PATH"])


def contest_template(contest: Contest) -> RulesTemplate | None:
    return template_for(contest, templates_root())


def links_for(contest: Contest, draw: Draw | None, base_url: str | None = None) -> RulesLinks:
    """The public addresses printed in the rules, on the configured public address by default."""
    base = (base_url or current_app.config["BASE_URL"]).rstrip("/")
    contest_url = f"{base}/c/{contest.slug}"
    return RulesLinks(
        contest_url=contest_url,
        rules_url=f"{contest_url}/rules",
        draw_url=f"{base}/d/{draw.id}" if draw else contest_url,
    )


def render_current_terms(
    contest: Contest, template: RulesTemplate, base_url: str | None = None
) -> str:
    """The rules text as the contest's terms stand now (a preview for drafts, the text of a new
    version)."""
    from ..winners.claims import NOTIFY_WITHIN_DAYS
    from ..winners.records import draw_of

    draw = draw_of(contest)
    # Amounts of the law in force on the draw date, from the templates' data files.
    on = (contest.draw_at or contest.ends_at or utcnow()).date()
    context = rules_context(
        contest,
        draw,
        links_for(contest, draw, base_url),
        template.language,
        form_1099=form_1099_threshold(templates_root(), on),
        notify_days=NOTIFY_WITHIN_DAYS,  # the worker keeps this promise
        ny_fl_threshold=bond_threshold(templates_root(), (contest.starts_at or utcnow()).date()),
    )
    return render_rules(template, context, templates_root())


def current_version(contest: Contest) -> RulesVersion | None:
    return db.session.execute(
        select(RulesVersion)
        .where(RulesVersion.contest_id == contest.id)
        .order_by(RulesVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def all_versions(contest: Contest) -> list[RulesVersion]:
    return list(
        db.session.execute(
            select(RulesVersion)
            .where(RulesVersion.contest_id == contest.id)
            .order_by(RulesVersion.number)
        ).scalars()
    )


def version(contest: Contest, number: int) -> RulesVersion | None:
    return db.session.execute(
        select(RulesVersion).where(
            RulesVersion.contest_id == contest.id, RulesVersion.number == number
        )
    ).scalar_one_or_none()


def add_version(
    contest: Contest,
    template: RulesTemplate,
    html: str,
    summary: str,
    actor: User | None,
    now: datetime,
) -> RulesVersion:
    """Freeze ``html`` as the contest's next version (UNIQUE contest + number backs the
    numbering)."""
    number = (
        db.session.execute(
            select(func.max(RulesVersion.number)).where(RulesVersion.contest_id == contest.id)
        ).scalar()
        or 0
    ) + 1
    row = RulesVersion(
        contest_id=contest.id,
        number=number,
        template=template.key,
        html=html,
        sha256=content_hash(html),
        summary=summary,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def publish_rules(
    contest: Contest, actor: User | None, now: datetime, base_url: str | None = None
) -> RulesVersion:
    """Freeze version 1 of the rules; called by publishing, after the draw commitment exists."""
    template = contest_template(contest)
    if template is None:
        raise PublishRefused([no_template_label(contest)])
    row = add_version(
        contest, template, render_current_terms(contest, template, base_url), "", actor, now
    )
    audit.record(
        "rules.published",
        actor=actor,
        contest=contest,
        version=row.number,
        sha256=row.sha256,
        template=template.key,
    )
    return row


def no_template_label(contest: Contest):
    return _l(
        "Rules template for this jurisdiction and mechanic (%(jurisdiction)s, %(mechanic)s)",
        jurisdiction=contest.jurisdiction,
        mechanic=contest.mechanic,
    )


def _version_template(row: RulesVersion) -> RulesTemplate | None:
    return load_templates(templates_root()).get(row.template)


def rules_language(row: RulesVersion) -> str:
    """The language the version is written in (its template's), which the page must declare."""
    template = _version_template(row)
    return template.language if template else "en"


def _amendments(contest: Contest, row: RulesVersion, language: str) -> list[str]:
    """What an amended version's PDF prints before the rules: each amendment up to this version,
    what it changed (the organizer's summary), when it was published and took effect, and the
    version it replaced (number and SHA-256), in the rules' language."""
    versions = list(
        db.session.execute(
            select(RulesVersion)
            .where(RulesVersion.contest_id == contest.id, RulesVersion.number <= row.number)
            .order_by(RulesVersion.number)
        ).scalars()
    )
    locale = "en_GB" if language == "en" and contest.jurisdiction == "GB" else language
    zone = local_time(contest.timezone, language)
    lines = []
    for before, after in zip(versions, versions[1:], strict=False):
        when = written_datetime(after.created_at, contest.timezone, locale)
        summary = after.summary.strip()
        summary += "" if summary.endswith((".", "!", "?")) else "."
        if language == "fr":
            lines.append(
                f"Avenant n° {after.number - 1}, publié le {when} ({zone}) et en vigueur dès sa "
                f"publication : {summary} Il remplace la version {before.number} "
                f"(SHA-256 {before.sha256})."
            )
        else:
            lines.append(
                f"Amendment no. {after.number - 1}, published on {when} ({zone}) and in force from "
                f"its publication: {summary} It replaces version {before.number} "
                f"(SHA-256 {before.sha256})."
            )
    return lines


def rules_pdf(contest: Contest, row: RulesVersion) -> bytes:
    """The version's PDF: rendered the first time it is asked for, then served from the row.

    A version never changes, so its PDF never does either; the conditional UPDATE keeps the
    first rendering when two requests race (the caller commits).
    """
    if row.pdf is not None:
        return row.pdf
    from ..documents.pdf import html_to_pdf  # WeasyPrint loads Pango: only when a PDF is made

    template = _version_template(row)
    language = template.language if template else "en"
    html = render_template(
        "documents/rules.html",
        contest=contest,
        rules_html=row.html,
        amendments=_amendments(contest, row, language),
        doc_language=template.language if template else "en",
        paper=template.paper if template else "A4",
        page_label="Page",
        version_label=f"{contest.slug} · v{row.number} · SHA-256 {row.sha256}",
    )
    pdf = html_to_pdf(html)
    db.session.execute(
        update(RulesVersion)
        .where(RulesVersion.id == row.id, RulesVersion.pdf.is_(None))
        .values(pdf=pdf)
    )
    return pdf
