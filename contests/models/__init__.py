"""All models, importable from one place (Alembic's autogenerate needs them loaded)."""
from .audit import AuditEvent
from .contest import Contest, Phase, Prize, State
from .entry import Entry
from .organization import Membership, Organization, User

__all__ = [
    "AuditEvent",
    "Contest",
    "Entry",
    "Membership",
    "Organization",
    "Phase",
    "Prize",
    "State",
    "User",
]
