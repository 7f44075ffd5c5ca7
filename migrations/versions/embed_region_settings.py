"""the embeddable guide: a region's accent colour, logo and the origins allowed to frame its /embed/ pages

Revision ID: embed_region_settings
Revises: feedback_search_events
"""
from alembic import op
import sqlalchemy as sa

from catalogue.search.changelog import install_triggers

revision = "embed_region_settings"
down_revision = "feedback_search_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy), so the region table keeps its change-log triggers on SQLite
    op.add_column("region", sa.Column("embed_colour", sa.String(length=7), nullable=True))
    op.add_column("region", sa.Column("embed_origins", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("region", sa.Column("embed_logo", sa.LargeBinary(), nullable=True))
    op.add_column("region", sa.Column("embed_logo_type", sa.String(length=20), nullable=True))
    op.add_column("region", sa.Column("embed_logo_hash", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        for column in ("embed_logo_hash", "embed_logo_type", "embed_logo", "embed_origins", "embed_colour"):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":  # the batch copy dropped the region table's triggers: put them back
        install_triggers(op.get_bind())
