"""entries: identity, consents, outbox, questions, form options

Revision ID: 6c81da9f89f8
Revises: f52627beaba8
Create Date: 2026-11-24 10:25:09.802526

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6c81da9f89f8"
down_revision = "f52627beaba8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_texts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_consent_texts")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('text', 'choice')", name=op.f("ck_questions_kind")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_questions_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_contest_id"), ["contest_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('rules', 'marketing', 'age', 'parental')", name=op.f("ck_consents_kind")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_consents_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["text_sha256"],
            ["consent_texts.sha256"],
            name=op.f("fk_consents_text_sha256_consent_texts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("entry_id", "kind", name=op.f("uq_consents_entry_id_kind")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_outbox_entry_id_entries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)

    # Existing contests get the form options' defaults.
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone_field", sa.String(length=10), nullable=False, server_default="off")
        )
        batch_op.add_column(
            sa.Column(
                "postal_code_field", sa.String(length=10), nullable=False, server_default="off"
            )
        )
        batch_op.add_column(
            sa.Column("ask_birth_date", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("double_opt_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_check_constraint(
            "phone_field", "phone_field IN ('off', 'optional', 'required')"
        )
        batch_op.create_check_constraint(
            "postal_code_field", "postal_code_field IN ('off', 'optional', 'required')"
        )

    # The previous schema had no way to create entries (a counting stub); none can hold data.
    op.execute("DELETE FROM entries")

    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name", sa.String(length=100), nullable=False))
        batch_op.add_column(sa.Column("last_name", sa.String(length=100), nullable=False))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=False))
        batch_op.add_column(sa.Column("email_key", sa.String(length=254), nullable=False))
        batch_op.add_column(sa.Column("identity_key", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("period", sa.String(length=10), nullable=False))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("postal_code", sa.String(length=20), nullable=False))
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("answers", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("tie_breaker", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("marketing_opt_in", sa.Boolean(), nullable=False))
        batch_op.add_column(sa.Column("household_key", sa.String(length=300), nullable=False))
        batch_op.add_column(sa.Column("ip_address", sa.String(length=45), nullable=False))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=300), nullable=False))
        batch_op.add_column(sa.Column("receipt_code", sa.String(length=16), nullable=False))
        batch_op.add_column(sa.Column("flags", sa.String(length=100), nullable=False))
        batch_op.add_column(sa.Column("flag_cleared_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("flag_cleared_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("disqualified_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("disqualified_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("disqualified_reason", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_entries_contest_household", ["contest_id", "household_key"], unique=False
        )
        batch_op.create_index(
            "ix_entries_contest_ip_created",
            ["contest_id", "ip_address", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_entries_contest_phone", ["contest_id", "phone"], unique=False)
        batch_op.create_unique_constraint(
            "uq_entries_identity_period", ["contest_id", "identity_key", "period"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_entries_receipt_code"), ["receipt_code"])
        batch_op.create_foreign_key(
            batch_op.f("fk_entries_disqualified_by_id_users"),
            "users",
            ["disqualified_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_entries_flag_cleared_by_id_users"),
            "users",
            ["flag_cleared_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_entries_flag_cleared_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_entries_disqualified_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_entries_receipt_code"), type_="unique")
        batch_op.drop_constraint("uq_entries_identity_period", type_="unique")
        batch_op.drop_index("ix_entries_contest_phone")
        batch_op.drop_index("ix_entries_contest_ip_created")
        batch_op.drop_index("ix_entries_contest_household")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("disqualified_reason")
        batch_op.drop_column("disqualified_by_id")
        batch_op.drop_column("disqualified_at")
        batch_op.drop_column("flag_cleared_by_id")
        batch_op.drop_column("flag_cleared_at")
        batch_op.drop_column("flags")
        batch_op.drop_column("receipt_code")
        batch_op.drop_column("user_agent")
        batch_op.drop_column("ip_address")
        batch_op.drop_column("household_key")
        batch_op.drop_column("marketing_opt_in")
        batch_op.drop_column("tie_breaker")
        batch_op.drop_column("answers")
        batch_op.drop_column("birth_date")
        batch_op.drop_column("postal_code")
        batch_op.drop_column("phone")
        batch_op.drop_column("period")
        batch_op.drop_column("identity_key")
        batch_op.drop_column("email_key")
        batch_op.drop_column("email")
        batch_op.drop_column("last_name")
        batch_op.drop_column("first_name")

    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contests_postal_code_field"), type_="check")
        batch_op.drop_constraint(op.f("ck_contests_phone_field"), type_="check")
        batch_op.drop_column("double_opt_in")
        batch_op.drop_column("ask_birth_date")
        batch_op.drop_column("postal_code_field")
        batch_op.drop_column("phone_field")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_entry_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_entry_id"))

    op.drop_table("consents")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_contest_id"))

    op.drop_table("questions")
    op.drop_table("consent_texts")
