"""coverage declarations: a gemeente's or a region's offer declared complete

Revision ID: coverage_declarations
Revises: nc_dated_values_links
"""
from alembic import op
import sqlalchemy as sa


revision = "coverage_declarations"
down_revision = "nc_dated_values_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coverage_declaration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_declaration_declared_at"), ["declared_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_declaration_municipality_id"), ["municipality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_declaration_region_id"), ["region_id"], unique=False)
    # Invented contact data that earlier seeds wrote (the Gorinchem WSP placeholders): an unknown fact stays empty.
    for table, phone, email in (("region", "wsp_phone", "wsp_email"), ("provider", "phone", "email")):
        op.execute(sa.text(f"UPDATE {table} SET {phone} = NULL WHERE {phone} = '0183 - 00 00 00'"))
        op.execute(sa.text(f"UPDATE {table} SET {email} = NULL WHERE {email} = 'werkgevers@avres.nl'"))


def downgrade() -> None:
    with op.batch_alter_table("coverage_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coverage_declaration_region_id"))
        batch_op.drop_index(batch_op.f("ix_coverage_declaration_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_coverage_declaration_declared_at"))
    op.drop_table("coverage_declaration")
