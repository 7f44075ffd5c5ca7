"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 02:33:27.429310
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade() -> None:
    op.create_table('instrument_kind',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('comparable_parameters', sa.JSON(), nullable=False),
    sa.Column('not_harmonisable_with_id', sa.Integer(), nullable=True),
    sa.Column('not_harmonisable_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['not_harmonisable_with_id'], ['instrument_kind.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('centrumgemeente_id', sa.Integer(), nullable=True),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('terminology', sa.JSON(), nullable=False),
    sa.Column('wsp_name', sa.String(length=200), nullable=True),
    sa.Column('wsp_website', sa.String(length=500), nullable=True),
    sa.Column('wsp_phone', sa.String(length=50), nullable=True),
    sa.Column('wsp_email', sa.String(length=200), nullable=True),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('example', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    # The FK to municipality (a later table) is added below: inline on SQLite, which cannot ALTER constraints in.
    *([sa.ForeignKeyConstraint(['centrumgemeente_id'], ['municipality.id'], name='fk_region_centrumgemeente')] if _sqlite() else []),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('taxonomy_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxonomy', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('external_code', sa.String(length=20), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('taxonomy', 'code')
    )
    with op.batch_alter_table('taxonomy_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_taxonomy_term_taxonomy'), ['taxonomy'], unique=False)

    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_region_id'), ['region_id'], unique=False)

    if not _sqlite():
        op.create_foreign_key('fk_region_centrumgemeente', 'region', 'municipality', ['centrumgemeente_id'], ['id'])
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_type'), ['type'], unique=False)

    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=160), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('name', sa.String(length=250), nullable=False),
    sa.Column('kind_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('reach', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('how_to_apply', sa.Text(), nullable=True),
    sa.Column('duration_max', sa.Integer(), nullable=True),
    sa.Column('duration_unit', sa.String(length=10), nullable=True),
    sa.Column('amount_type', sa.String(length=30), nullable=True),
    sa.Column('amount_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('amount_max_per_year', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('amount_max_total', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('amount_note', sa.Text(), nullable=True),
    sa.Column('applicant', sa.String(length=20), nullable=True),
    sa.Column('decision_period_weeks', sa.Integer(), nullable=True),
    sa.Column('payment_moments', sa.Text(), nullable=True),
    sa.Column('requires_doelgroepverklaring', sa.Boolean(), nullable=False),
    sa.Column('requires_doelgroepregister', sa.Boolean(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('funding_source', sa.Text(), nullable=True),
    sa.Column('temporary', sa.Boolean(), nullable=False),
    sa.Column('leerwerktraject', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.Column('last_checked', sa.Date(), nullable=True),
    sa.Column('regulation_title', sa.String(length=500), nullable=True),
    sa.Column('regulation_url', sa.String(length=1000), nullable=True),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('publish_from', sa.Date(), nullable=True),
    sa.Column('publish_to', sa.Date(), nullable=True),
    sa.Column('internal_notes', sa.Text(), nullable=True),
    sa.Column('example', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kind_id'], ['instrument_kind.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_kind_id'), ['kind_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_reach'), ['reach'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_instrument_updated_at'), ['updated_at'], unique=False)

    op.create_table('instrument_municipality',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instrument_id', 'municipality_id')
    )
    with op.batch_alter_table('instrument_municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_municipality_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('instrument_region',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instrument_id', 'region_id')
    )
    with op.batch_alter_table('instrument_region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_region_region_id'), ['region_id'], unique=False)

    op.create_table('instrument_term',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['taxonomy_term.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instrument_id', 'term_id')
    )
    with op.batch_alter_table('instrument_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_term_term_id'), ['term_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('instrument_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_term_term_id'))

    op.drop_table('instrument_term')
    with op.batch_alter_table('instrument_region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_region_region_id'))

    op.drop_table('instrument_region')
    with op.batch_alter_table('instrument_municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_municipality_municipality_id'))

    op.drop_table('instrument_municipality')
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_updated_at'))
        batch_op.drop_index(batch_op.f('ix_instrument_status'))
        batch_op.drop_index(batch_op.f('ix_instrument_reach'))
        batch_op.drop_index(batch_op.f('ix_instrument_provider_id'))
        batch_op.drop_index(batch_op.f('ix_instrument_kind_id'))
        batch_op.drop_index(batch_op.f('ix_instrument_external_id'))

    op.drop_table('instrument')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_type'))
        batch_op.drop_index(batch_op.f('ix_provider_region_id'))
        batch_op.drop_index(batch_op.f('ix_provider_municipality_id'))

    op.drop_table('provider')
    if not _sqlite():
        op.drop_constraint('fk_region_centrumgemeente', 'region', type_='foreignkey')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_region_id'))

    op.drop_table('municipality')
    with op.batch_alter_table('taxonomy_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_taxonomy_term_taxonomy'))

    op.drop_table('taxonomy_term')
    op.drop_table('region')
    op.drop_table('instrument_kind')
