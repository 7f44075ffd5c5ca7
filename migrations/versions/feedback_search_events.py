"""search events (what people look for and don't find)

Revision ID: feedback_search_events
Revises: feedback_reports
"""
from alembic import op
import sqlalchemy as sa


revision = "feedback_search_events"
down_revision = "feedback_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("kinds", sa.String(length=300), nullable=False),
        sa.Column("target_groups", sa.String(length=300), nullable=False),
        sa.Column("municipality_code", sa.String(length=10), nullable=True),
        sa.Column("region_code", sa.String(length=10), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("ended_count", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_event_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_event_month"), ["month"], unique=False)
        batch_op.create_index("ix_search_event_region_month", ["region_code", "month"], unique=False)
    op.create_table(
        "search_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "region_code", "query", "outcome"),
    )
    op.create_table(
        "gap_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("municipality_code", sa.String(length=10), nullable=False),
        sa.Column("kinds", sa.String(length=300), nullable=False),
        sa.Column("target_groups", sa.String(length=300), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "region_code", "municipality_code", "kinds", "target_groups"),
    )


def downgrade() -> None:
    op.drop_table("gap_tally")
    op.drop_table("search_tally")
    with op.batch_alter_table("search_event", schema=None) as batch_op:
        batch_op.drop_index("ix_search_event_region_month")
        batch_op.drop_index(batch_op.f("ix_search_event_month"))
        batch_op.drop_index(batch_op.f("ix_search_event_created_at"))
    op.drop_table("search_event")
