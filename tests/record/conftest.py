"""The record's databases for tests: an SQLite file, and a fresh database on the PostgreSQL
server named by SELFEVAL_TEST_POSTGRES (`.ci/run` starts one; elsewhere those tests skip and
say why)."""

from __future__ import annotations

import os
import uuid

import pytest

PG = os.environ.get("SELFEVAL_TEST_POSTGRES", "")
NO_PG = ("no PostgreSQL server: set SELFEVAL_TEST_POSTGRES to a postgresql:// URL "
         "(.ci/run starts one with .ci/postgres)")


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(params=["sqlite", "postgresql"])
def record_url(request, tmp_path):
    """A new, empty record: an SQLite file, or a database of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "record.db")
        return
    if not PG:
        pytest.skip(NO_PG)
    import psycopg

    name = f"selfeval_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(PG, name)
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
