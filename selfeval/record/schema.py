"""The record's tables (SQLAlchemy Core) and its migrations, from the first version on.

Every database starts empty and is brought to `SCHEMA_VERSION` by running the migrations it has
not had, in order, each in its own transaction, with `schema_info.version` set as it goes. A
database written by a newer selfeval (a higher version) is refused, never changed.

- version 1: projects, their reviews per year and revision, indicators, findings, decisions;
- version 2: each review keeps the form file itself, the params it ran with and the previous
  year it was compared with (provenance: an old year can be rendered again, the same).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
    update,
)

from selfeval.errors import RecordError

SCHEMA_VERSION = 2

metadata = MetaData()

schema_info = Table("schema_info", metadata, Column("version", Integer, nullable=False))

def _project_columns() -> list[Column]:
    return [Column("id", Integer, primary_key=True, autoincrement=True),
            Column("key", String(400), nullable=False, unique=True),
            Column("name", Text, nullable=False),
            Column("department", Text, nullable=False)]


projects = Table("projects", metadata, *_project_columns())

# Decimals are stored as text: exact in SQLite and PostgreSQL alike (money as the form states it).
_V1_REVIEW_COLUMNS = [
    ("id", Integer), ("project_id", Integer), ("year", Integer), ("revision", Integer), ("identity", String(64)),
    ("created_at", String(32)), ("form_sha256", String(64)), ("form_path", Text), ("ruleset", String(200)),
    ("ruleset_sha256", String(64)), ("selfeval_version", String(40)), ("decisions_sha256", String(64)),
    ("project_name", Text), ("department", Text), ("full_marks", String(40)), ("self_total", String(40)),
    ("review_total", String(40)), ("review_low", String(40)), ("review_high", String(40)),
    ("difference", String(40)), ("rating", String(20)), ("rating_text", Text), ("self_rating", String(20)),
    ("settled", Boolean), ("provisional", Boolean), ("execution_rate", String(40)), ("funding_rate", String(40)),
    ("budget", String(40)), ("paid", String(40)), ("errors", Integer), ("warnings", Integer), ("infos", Integer),
    ("indicator_count", Integer), ("finding_count", Integer), ("reviewer", Text), ("review_date", String(10)),
    ("checker", Text), ("approver", Text),
]


def _review_columns(extra: list[Column]) -> list:
    cols = []
    for name, kind in _V1_REVIEW_COLUMNS:
        if name == "id":
            cols.append(Column("id", Integer, primary_key=True, autoincrement=True))
        elif name == "project_id":
            cols.append(Column("project_id", Integer, ForeignKey("projects.id"), nullable=False, index=True))
        else:
            cols.append(Column(name, kind, nullable=name not in ("year", "revision", "identity", "created_at")))
    return [*cols, *extra, UniqueConstraint("project_id", "year", "revision"),
            UniqueConstraint("project_id", "year", "identity")]


#: what version 2 added to `reviews`
V2_COLUMNS = [("form_name", Text()), ("form_bytes", LargeBinary()), ("params_json", Text()), ("prior_ref", Text())]

reviews = Table("reviews", metadata, *_review_columns([Column(n, t) for n, t in V2_COLUMNS]))

indicators = Table(
    "indicators", metadata,
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("key", Text, nullable=False), Column("name", Text, nullable=False), Column("category", String(20)),
    Column("target", Text), Column("target_value", String(40)), Column("comparator", String(20)),
    Column("unit", String(40)), Column("weight", String(40)), Column("actual", Text),
    Column("actual_value", String(40)), Column("self_score", String(40)), Column("rescore", String(40)),
    Column("review_score", String(40)),
)

findings = Table(
    "findings", metadata,
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("code", String(60), nullable=False), Column("severity", String(10), nullable=False),
    Column("title", Text, nullable=False), Column("message", Text), Column("indicators", Text),
    Column("dismissed_by", Text), Column("dismissed_reason", Text),
)

decisions = Table(
    "decisions", metadata,
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(10), nullable=False), Column("subject", Text, nullable=False),
    Column("score", String(40)), Column("reason", Text), Column("reviewer", Text),
)


def _v1(conn: Connection) -> None:
    """The first schema: every table as version 1 had it (reviews without the v2 columns)."""
    v1 = MetaData()
    Table("schema_info", v1, Column("version", Integer, nullable=False))
    Table("projects", v1, *_project_columns())
    Table("reviews", v1, *_review_columns([]))
    for t in (indicators, findings, decisions):
        t.to_metadata(v1)
    v1.create_all(conn)
    conn.execute(schema_info.insert().values(version=0))


def _v2(conn: Connection) -> None:
    """Keep the form file and the params each review ran with."""
    for name, kind in V2_COLUMNS:
        conn.execute(text(f"ALTER TABLE reviews ADD COLUMN {name} {kind.compile(dialect=conn.dialect)}"))


#: migration n brings a database from version n - 1 to n
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2}


def version_of(conn: Connection) -> int:
    """The schema version of a database (0: empty)."""
    if not inspect(conn).has_table("schema_info"):
        return 0
    return int(conn.execute(select(schema_info.c.version)).scalar_one())


def migrate(engine, target: int = SCHEMA_VERSION) -> int:
    """Bring the database to `target`, one migration per transaction; returns the version it had.
    Two processes opening a new record at once migrate it once (SQLite: the write lock taken at
    BEGIN; PostgreSQL: an advisory lock)."""
    with engine.begin() as conn:
        start = version_of(conn)
    if start > SCHEMA_VERSION:
        raise RecordError(f"{engine.url.render_as_string(hide_password=True)}: the record is schema version "
                          f"{start}, written by a newer selfeval (this one reads up to {SCHEMA_VERSION}); "
                          "upgrade selfeval")
    for n in range(start + 1, target + 1):
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(740627)"))
            if version_of(conn) >= n:  # another process migrated it meanwhile
                continue
            MIGRATIONS[n](conn)
            conn.execute(update(schema_info).values(version=n))
    return start
