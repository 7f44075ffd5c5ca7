"""dated parameter values and link checks

Revision ID: nc_dated_values_links
Revises: concurrency_jobs_job_table
"""
from alembic import op
import sqlalchemy as sa


revision = "nc_dated_values_links"
down_revision = "concurrency_jobs_job_table"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parameter_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("parameter_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parameter_value_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "link_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("final_url", sa.String(length=1000), nullable=True),
        sa.Column("redirects", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    with op.batch_alter_table("link_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_check_checked_at"), ["checked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_check_checked_at"))
    op.drop_table("link_check")
    with op.batch_alter_table("parameter_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parameter_value_instrument_id"))
    op.drop_table("parameter_value")
