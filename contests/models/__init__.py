"""All models, importable from one place (Alembic's autogenerate needs them loaded)."""

from .audit import AuditEvent
from .award import HOLDING, Award, AwardStatus
from .contest import Contest, Phase, Prize, Question, State
from .draw import Draw, DrawList, DrawListBlock, DrawState
from .entry import Consent, ConsentText, Entry, EntryStatus, OutboxMessage
from .jury import WORK_KINDS, Juror, JuryScore, Work
from .organization import (
    Invitation,
    Membership,
    Organization,
    ReportMailing,
    User,
    UserSession,
)
from .rights import DataRequest, RequestKind
from .rules import RulesVersion
from .transparency import LogEntry
from .views import PageView

__all__ = [
    "HOLDING",
    "WORK_KINDS",
    "Juror",
    "JuryScore",
    "Work",
    "Award",
    "AwardStatus",
    "AuditEvent",
    "Consent",
    "ConsentText",
    "DataRequest",
    "RequestKind",
    "OutboxMessage",
    "Question",
    "Contest",
    "Draw",
    "DrawList",
    "DrawListBlock",
    "DrawState",
    "Entry",
    "Invitation",
    "LogEntry",
    "EntryStatus",
    "Membership",
    "Organization",
    "PageView",
    "ReportMailing",
    "Phase",
    "Prize",
    "RulesVersion",
    "State",
    "User",
    "UserSession",
]
