"""The database enforces the vocabulary: CHECK constraints on every stored entity kind and fetch status.

Revision ID: 0004
Revises: 0003

``charts.sync_schedule`` has been checked since 0001. The values are written out by hand rather than read from
``soundcharts_assets.vocabulary``, so this revision stays what it was if the vocabulary grows (a new word then
needs a revision of its own). SQLite cannot add a constraint to a table, so there alembic's batch mode copies
each table into a new one that has it, rows and indexes included; Postgres adds it in place, and checks the
rows already stored.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FETCH_STATUSES = "'ok', 'not_found', 'not_in_plan'"
ENTITY_KINDS = "'song', 'artist'"
CHECKS = {
    "tracks": {"ck_tracks_status": f"status IN ({FETCH_STATUSES})"},
    "artists": {"ck_artists_status": f"status IN ({FETCH_STATUSES}, 'stub')"},
    "audience_fetches": {
        "ck_audience_fetches_entity": f"entity IN ({ENTITY_KINDS})",
        "ck_audience_fetches_status": f"status IN ({FETCH_STATUSES})",
    },
    "audience_claims": {"ck_audience_claims_entity": f"entity IN ({ENTITY_KINDS})"},
}


def upgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, condition in checks.items():
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name in checks:
                batch.drop_constraint(name, type_="check")
