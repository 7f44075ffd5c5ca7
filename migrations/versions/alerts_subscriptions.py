"""following a search (alert subscriptions and digests), rate limits shared across processes, tally indexes

Revision ID: alerts_subscriptions
Revises: embed_region_settings
"""
from alembic import op
import sqlalchemy as sa


revision = "alerts_subscriptions"
down_revision = "embed_region_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("filter_key", sa.String(length=64), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirm_nonce_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", "filter_key"),
    )
    with op.batch_alter_table("alert_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_subscription_email"), ["email"], unique=False)
    op.create_table(
        "alert_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=12), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["alert_subscription.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "period"),
    )
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_hit_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_rate_limit_hit_bucket_key_at", ["bucket", "key", "created_at"], unique=False)
    # the region dashboard reads one region's tallies (the unique keys start with the month)
    with op.batch_alter_table("search_tally", schema=None) as batch_op:
        batch_op.create_index("ix_search_tally_region_month", ["region_code", "month", "query", "outcome", "n"],
                                unique=False)  # covering: the dashboard reads the index only
    with op.batch_alter_table("gap_tally", schema=None) as batch_op:
        batch_op.create_index("ix_gap_tally_region_month",
                                ["region_code", "month", "municipality_code", "kinds", "target_groups", "n"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gap_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_gap_tally_region_month")
    with op.batch_alter_table("search_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_search_tally_region_month")
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_hit_bucket_key_at")
        batch_op.drop_index(batch_op.f("ix_rate_limit_hit_created_at"))
    op.drop_table("rate_limit_hit")
    op.drop_table("alert_digest")
    with op.batch_alter_table("alert_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_subscription_email"))
    op.drop_table("alert_subscription")
