"""feedback reports ('Klopt er iets niet?')

Revision ID: feedback_reports
Revises: scaleout_change_log
"""
from alembic import op
import sqlalchemy as sa


revision = "feedback_reports"
down_revision = "scaleout_change_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("page_version", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("fixed_version", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_report_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_report_instrument_id"), ["instrument_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_report_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_report_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_report_state"))
        batch_op.drop_index(batch_op.f("ix_feedback_report_region_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_report_instrument_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_report_created_at"))
    op.drop_table("feedback_report")
