"""roles owner/editor/viewer and invitations

A member becomes an editor (what members could do); viewers are new: read-only logins for a
client. Invitations replace adding an organizer without asking them.

Revision ID: e9d3f761cb72
Revises: 0145943ce8d1
Create Date: 2026-12-06 04:31:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e9d3f761cb72"
down_revision = "0145943ce8d1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('owner', 'editor', 'viewer')", name=op.f("ck_invitations_role")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invitations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_organization_id"), ["organization_id"], unique=False
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_memberships_role"), type_="check")
    op.execute("UPDATE memberships SET role = 'editor' WHERE role = 'member'")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_memberships_role"), "role IN ('owner', 'editor', 'viewer')"
        )


def downgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_memberships_role"), type_="check")
    op.execute("UPDATE memberships SET role = 'member' WHERE role IN ('editor', 'viewer')")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_memberships_role"), "role IN ('owner', 'member')"
        )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_organization_id"))
    op.drop_table("invitations")
