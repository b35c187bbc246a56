"""How many times each contest's form was shown, per UTC hour (``reporting.views``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class PageView(db.Model):
    """Views of a contest's page or embedded form in one UTC hour, added in batches by each app
    process (never one write per view); kind 'again' counts the repeat entries refused (someone
    who had entered already), which write nothing else."""

    __tablename__ = "page_views"
    __table_args__ = (CheckConstraint("kind IN ('page', 'embed', 'again')", name="kind"),)

    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
