"""change log for the search index and facet tables (index_change + triggers)

Revision ID: scaleout_change_log
Revises: coverage_declarations
"""
from alembic import op
import sqlalchemy as sa

from catalogue.search.changelog import drop_triggers, install_triggers

revision = "scaleout_change_log"
down_revision = "dennis_import_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_index_change_changed_at", "index_change", ["changed_at"])
    install_triggers(op.get_bind())


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_index("ix_index_change_changed_at", table_name="index_change")
    op.drop_table("index_change")
