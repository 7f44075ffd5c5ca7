"""public change feed (public_change, public_state, change_feed_state) and webhooks (consumer, delivery outbox, attempts)

Revision ID: changes_webhooks_feed_outbox
Revises: alerts_subscriptions
"""
from alembic import op
import sqlalchemy as sa

revision = "changes_webhooks_feed_outbox"
down_revision = "alerts_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column("change", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_public_change_instrument_id", "public_change", ["instrument_id"])
    op.create_index("ix_public_change_recorded_at", "public_change", ["recorded_at"])
    op.create_table(
        "public_state",
        sa.Column("instrument_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("slug", sa.String(length=160), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("lifecycle", sa.String(length=10), nullable=True),
        sa.Column("last_change_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("instrument_id"),
    )
    op.create_table(
        "change_feed_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=True),
        sa.Column("holes", sa.JSON(), nullable=False),
        sa.Column("swept_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(sa.table("change_feed_state", sa.column("id", sa.Integer()), sa.column("holes", sa.JSON())),
                   [{"id": 1, "holes": {}}])
    op.create_table(
        "webhook_consumer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("providers", sa.JSON(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_consumer_organisation_id", "webhook_consumer", ["organisation_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replay_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consumer_id"], ["webhook_consumer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["change_id"], ["public_change.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["replay_of_id"], ["webhook_delivery.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_webhook_delivery_consumer_id", "webhook_delivery", ["consumer_id"])
    op.create_index("ix_webhook_delivery_change_id", "webhook_delivery", ["change_id"])
    op.create_index("ix_webhook_delivery_status", "webhook_delivery", ["status"])
    op.create_index("ix_webhook_delivery_next_attempt_at", "webhook_delivery", ["next_attempt_at"])
    op.create_index("ix_webhook_delivery_consumer_instrument", "webhook_delivery", ["consumer_id", "instrument_id", "id"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_delivery.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_attempt_delivery_id", "webhook_attempt", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempt_delivery_id", table_name="webhook_attempt")
    op.drop_table("webhook_attempt")
    for name in ("consumer_instrument", "next_attempt_at", "status", "change_id", "consumer_id"):
        op.drop_index(f"ix_webhook_delivery_{name}", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_webhook_consumer_organisation_id", table_name="webhook_consumer")
    op.drop_table("webhook_consumer")
    op.drop_table("change_feed_state")
    op.drop_table("public_state")
    op.drop_index("ix_public_change_recorded_at", table_name="public_change")
    op.drop_index("ix_public_change_instrument_id", table_name="public_change")
    op.drop_table("public_change")
