"""skill contests: works, jurors, scores, the frozen ranking

A jury contest (fr/concours) receives works (a text or a re-encoded picture) with its entries;
jurors (a personal link, no account) score each work on the published criteria and sign the
procès-verbal; the organizer notes the tie-breaker's exact value and closes the deliberation,
which freezes the ranking on the contest (issue 18).

Revision ID: df864fc4e1a9
Revises: 948192226075
Create Date: 2026-12-06 11:55:54.859573

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "df864fc4e1a9"
down_revision = "948192226075"
branch_labels = None
depends_on = None

CONTEST_COLUMNS = (
    "work_kind",
    "work_prompt",
    "jury_criteria",
    "tie_breaker_value",
    "jury_closed_at",
    "jury_ranking",
    "jury_ranking_sha256",
)


def upgrade():
    op.create_table(
        "jurors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_jurors_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurors")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_jurors_token_sha256")),
    )
    op.create_index(op.f("ix_jurors_contest_id"), "jurors", ["contest_id"])
    op.create_table(
        "jury_scores",
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("points >= 0", name=op.f("ck_jury_scores_points")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_jury_scores_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["jurors.id"],
            name=op.f("fk_jury_scores_juror_id_jurors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("juror_id", "entry_id", "criterion", name=op.f("pk_jury_scores")),
    )
    op.create_table(
        "works",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('text', 'image')", name=op.f("ck_works_kind")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_works_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_works")),
    )
    op.add_column(
        "contests", sa.Column("work_kind", sa.String(length=5), server_default="", nullable=False)
    )
    op.add_column(
        "contests", sa.Column("work_prompt", sa.Text(), server_default="", nullable=False)
    )
    op.add_column(
        "contests", sa.Column("jury_criteria", sa.Text(), server_default="", nullable=False)
    )
    op.add_column("contests", sa.Column("tie_breaker_value", sa.BigInteger(), nullable=True))
    op.add_column("contests", sa.Column("jury_closed_at", sa.DateTime(), nullable=True))
    op.add_column("contests", sa.Column("jury_ranking", sa.Text(), nullable=True))
    op.add_column(
        "contests",
        sa.Column("jury_ranking_sha256", sa.String(length=64), server_default="", nullable=False),
    )


def downgrade():
    for column in reversed(CONTEST_COLUMNS):
        op.execute(f"ALTER TABLE contests DROP COLUMN {column}")
    op.drop_table("works")
    op.drop_table("jury_scores")
    op.drop_index(op.f("ix_jurors_contest_id"), table_name="jurors")
    op.drop_table("jurors")
