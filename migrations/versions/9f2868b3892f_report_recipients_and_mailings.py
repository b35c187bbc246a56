"""organizations: who receives the monthly report; report_mailings: each month's report mailed once

Revision ID: 9f2868b3892f
Revises: 39c16cc4e691
Create Date: 2026-12-06 07:38:15.734982

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9f2868b3892f"
down_revision = "39c16cc4e691"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_mailings",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_report_mailings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "month", name=op.f("pk_report_mailings")),
    )
    op.add_column(
        "organizations",
        sa.Column("report_recipients", sa.Text(), server_default="", nullable=False),
    )


def downgrade():
    op.execute("ALTER TABLE organizations DROP COLUMN report_recipients")

    op.drop_table("report_mailings")
