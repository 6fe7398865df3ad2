"""PostgreSQL databases of one's own: created empty on a server, dropped after, so runs never share rows."""

from __future__ import annotations

import uuid

import sqlalchemy as sa


def create_database(admin_url: str, prefix: str = "sca_test", name: str | None = None) -> str:
    """Create an empty database and return its URL: ``prefix`` and a random suffix, or a fixed ``name``, which
    is dropped first when a killed run left it behind."""
    url = sa.make_url(admin_url).set(database=name or f"{prefix}_{uuid.uuid4().hex[:12]}")
    rendered = url.render_as_string(hide_password=False)
    if name is not None:
        drop_database(admin_url, rendered)
    _admin(admin_url, f'CREATE DATABASE "{url.database}"')
    return rendered


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database ``url`` names, ending its open connections first; nothing when it does not exist."""
    name = sa.make_url(url).database
    _admin(
        admin_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()",
        name=name,
    )
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}"')


def _admin(admin_url: str, statement: str, **params: object) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement), params)
    finally:
        engine.dispose()
