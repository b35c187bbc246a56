"""organizations: brand kit; contests: mail sender name and reply-to

Plain ALTER TABLE (no batch rebuild on SQLite), as for the other added columns.

Revision ID: 2dfc4fc173c7
Revises: 9a8a3945780a
Create Date: 2026-12-06 06:11:41.082652

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2dfc4fc173c7"
down_revision = "9a8a3945780a"
branch_labels = None
depends_on = None

_TEXT = [
    ("language", sa.String(length=2), "fr"),
    ("jurisdiction", sa.String(length=2), "FR"),
    ("timezone", sa.String(length=64), "Europe/Paris"),
    ("legal_name", sa.String(length=200), ""),
    ("legal_form", sa.String(length=100), ""),
    ("registration_number", sa.String(length=100), ""),
    ("share_capital", sa.String(length=100), ""),
    ("legal_address", sa.Text(), ""),
    ("contact_email", sa.String(length=254), ""),
    ("dpo_contact", sa.String(length=300), ""),
    ("agency", sa.String(length=300), ""),
    ("data_recipients", sa.Text(), ""),
    ("data_transfers", sa.Text(), ""),
    ("embed_origins", sa.Text(), ""),
    ("brand_color", sa.String(length=7), ""),
    ("logo_sha256", sa.String(length=64), ""),
    ("mail_sender_name", sa.String(length=200), ""),
    ("mail_reply_to", sa.String(length=254), ""),
]
_OTHER = [
    ("data_retention_months", sa.Integer()),
    ("winners_retention_months", sa.Integer()),
    ("logo_png", sa.LargeBinary()),
]
_CONTEST = [
    ("mail_sender_name", sa.String(length=200)),
    ("mail_reply_to", sa.String(length=254)),
]


def upgrade():
    for name, type_, default in _TEXT:
        op.add_column(
            "organizations", sa.Column(name, type_, server_default=default, nullable=False)
        )
    for name, type_ in _OTHER:
        op.add_column("organizations", sa.Column(name, type_, nullable=True))
    for name, type_ in _CONTEST:
        op.add_column("contests", sa.Column(name, type_, server_default="", nullable=False))


def downgrade():
    for name, _type in _CONTEST:
        op.execute(f"ALTER TABLE contests DROP COLUMN {name}")
    for name, *_rest in _TEXT + _OTHER:
        op.execute(f"ALTER TABLE organizations DROP COLUMN {name}")
