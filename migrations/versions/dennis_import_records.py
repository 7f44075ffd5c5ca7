"""import records and parameter proposals

Revision ID: dennis_import_records
Revises: coverage_declarations
Create Date: 2026-12-01 08:59:50.194308
"""
from alembic import op
import sqlalchemy as sa


revision = 'dennis_import_records'
down_revision = 'coverage_declarations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('source_updated_at', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_id')
    )
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_record_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('parameter_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('field_name', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parameter_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parameter_proposal_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parameter_proposal_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('parameter_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parameter_proposal_status'))
        batch_op.drop_index(batch_op.f('ix_parameter_proposal_instrument_id'))

    op.drop_table('parameter_proposal')
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_record_instrument_id'))

    op.drop_table('import_record')
