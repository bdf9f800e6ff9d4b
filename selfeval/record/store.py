"""The record across years: every project-year's review kept in a database (SQLite by default,
PostgreSQL at a `postgresql://` URL, the same code for both).

A review is stored once per distinct *identity*: the form file's hash, the ruleset's content, the
reviewer's decisions and the sign-off (复核人, 复核日期, 审核人, 负责人). Storing the same again
adds nothing. A changed form or new decisions add a revision, and the old one stays. Each review
is written in one transaction, so a process killed mid-write leaves the record as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, create_engine, event, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from selfeval.assess.evaluation import Evaluation
from selfeval.assess.history import PriorFinding, PriorIndicator, PriorYear, actual_value
from selfeval.errors import RecordError
from selfeval.form.keys import indicator_key, project_key
from selfeval.record import schema
from selfeval.record.names import DEFAULT_NAME, RESERVED
from selfeval.record.schema import decisions, findings, indicators, projects, reviews
from selfeval.version import __version__


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def url_of(target: str | Path) -> str:
    """A database URL from what a person types: a URL as it is (`postgresql://…` uses psycopg), or a
    file path, which becomes an SQLite database there."""
    text = str(target)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE below takes
            # the write lock at the start (two writers queue instead of deadlocking). WAL lets
            # readers read while one writes; FULL syncs each commit.
            dbapi_connection.isolation_level = None
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA busy_timeout=60000")
            # switching to WAL needs the database to itself, and SQLite answers "locked" at once
            # (no busy wait) while another process opens it: try again for a while
            for attempt in range(200):
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == 199:
                        raise
                    time.sleep(0.05)
            for pragma in ("synchronous=FULL", "foreign_keys=ON"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class Stored:
    """What storing a review did: the review's id and revision, and whether it was new."""

    review_id: int
    project_key: str
    year: int
    revision: int
    added: bool
    ref: str  # the review's identity (a report's fingerprint takes it in)


def identity_of(ev: Evaluation, signoff: dict[str, str | None]) -> tuple[str, str, str]:
    """(identity, ruleset hash, decisions hash) of a review: what makes two reviews the same."""
    ruleset = hashlib.sha256(ev.ruleset.model_dump_json().encode()).hexdigest()
    made = json.dumps([[d.kind, d.subject, _text(d.score), d.reason, d.reviewer] for d in ev.decisions],
                      ensure_ascii=False)
    decided = hashlib.sha256(made.encode()).hexdigest()
    prior = None if ev.previous is None else ev.previous.ref  # compared with another year: another review
    whole = json.dumps([ev.form.provenance.sha256, ruleset, decided, signoff, prior], ensure_ascii=False,
                       sort_keys=True)
    return hashlib.sha256(whole.encode()).hexdigest(), ruleset, decided


class Record:
    """A connection to the record (`Record(path_or_url)`); the schema is brought up to date on
    opening. Use as a context manager, or call `close()`."""

    def __init__(self, target: str | Path) -> None:
        self.url = url_of(target)
        shown = self.url.split("@")[-1] if "@" in self.url else self.url
        try:
            self.engine = _engine(self.url)
            schema.migrate(self.engine)
        except (SQLAlchemyError, OSError, ImportError) as exc:
            raise RecordError(f"{shown}: the record cannot be opened ({_reason(exc)})") from None
        self.where = shown

    def __enter__(self) -> Record:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    # --- writing ----------------------------------------------------------------------------------

    def add(self, ev: Evaluation, *, key: str | None = None,
            signoff: dict[str, str | None] | None = None, params: dict[str, Any] | None = None,
            form_file: Path | None = None) -> Stored:
        """Store one project-year's review (nothing new if the same review is there already).
        `key` is the project key (default: from the form's name and department); `signoff` the
        复核人/复核日期/审核人/负责人; `params` the report's params and `form_file` the form itself,
        kept so the year can be rendered again."""
        key = key or project_key(ev.form.project_name, ev.form.department)
        signoff = {k: (signoff or {}).get(k) for k in ("reviewer", "review_date", "checker", "approver")}
        ident, ruleset_hash, decided = identity_of(ev, signoff)
        for attempt in range(8):  # a concurrent writer on PostgreSQL took the same revision number
            try:
                return self._add(ev, key, signoff, ident, ruleset_hash, decided, params, form_file)
            except IntegrityError:
                if attempt == 7:
                    raise
                time.sleep(0.05 * (attempt + 1))
            except OperationalError as exc:
                raise RecordError(f"{self.where}: storing {ev.form.project_name} {ev.form.year} failed "
                                  f"({_reason(exc)})") from None
        raise AssertionError("unreachable")

    def _add(self, ev, key, signoff, ident, ruleset_hash, decided, params, form_file) -> Stored:
        f = ev.form
        with self.engine.begin() as conn:
            pid = conn.execute(select(projects.c.id).where(projects.c.key == key)).scalar()
            if pid is None:
                pid = conn.execute(insert(projects).values(key=key, name=f.project_name,
                                                           department=f.department or "")).inserted_primary_key[0]
            else:  # the newest name is the one shown
                conn.execute(projects.update().where(projects.c.id == pid).values(
                    name=f.project_name, department=f.department or ""))
            same = conn.execute(select(reviews.c.id, reviews.c.revision).where(and_(
                reviews.c.project_id == pid, reviews.c.year == f.year, reviews.c.identity == ident))).first()
            if same is not None:
                return Stored(same.id, key, f.year, same.revision, False, ident)
            revision = 1 + (conn.execute(select(func.max(reviews.c.revision)).where(and_(
                reviews.c.project_id == pid, reviews.c.year == f.year))).scalar() or 0)
            counts = {s: sum(1 for x in ev.findings if x.dismissed is None and x.severity == s)
                      for s in ("error", "warning", "info")}
            form_bytes = form_file.read_bytes() if form_file is not None and form_file.is_file() else None
            rid = conn.execute(insert(reviews).values(
                project_id=pid, year=f.year, revision=revision, identity=ident,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                form_sha256=f.provenance.sha256, form_path=f.provenance.path, ruleset=ev.ruleset.name,
                ruleset_sha256=ruleset_hash, selfeval_version=__version__, decisions_sha256=decided,
                project_name=f.project_name, department=f.department or "",
                full_marks=_text(ev.full_marks), self_total=_text(ev.self_total if ev.self_claimed else None),
                review_total=_text(ev.review_total), review_low=_text(ev.review_low),
                review_high=_text(ev.review_high), difference=_text(ev.difference), rating=ev.rating,
                rating_text=ev.rating_text, self_rating=ev.self_rating, settled=ev.rating_settled,
                provisional=ev.provisional, execution_rate=_text(ev.rates.execution_rate),
                funding_rate=_text(ev.rates.funding_rate), budget=_text(f.money.budget), paid=_text(f.money.paid),
                errors=counts["error"], warnings=counts["warning"], infos=counts["info"],
                indicator_count=len(ev.indicators), finding_count=len(ev.findings),
                form_name=None if form_file is None else form_file.name, form_bytes=form_bytes,
                params_json=None if params is None else json.dumps(params, ensure_ascii=False, sort_keys=True),
                prior_ref=None if ev.previous is None else ev.previous.ref,
                **signoff,
            )).inserted_primary_key[0]
            rows = []
            for i, r in enumerate(ev.indicators):
                t = r.indicator.target
                rows.append({
                    "review_id": rid, "position": i, "key": indicator_key(r.indicator.name), "name": r.indicator.name,
                    "category": str(getattr(r.indicator.category, "value", r.indicator.category)),
                    "target": t.raw, "target_value": _text(t.value if t.kind == "quantitative" else None),
                    "comparator": t.comparator, "unit": t.unit, "weight": _text(r.indicator.weight),
                    "actual": r.indicator.actual or "", "actual_value": _text(actual_value(r.indicator.actual, t.unit)),
                    "self_score": _text(r.self_score), "rescore": _text(r.rescore.score),
                    "review_score": _text(r.review.score)})
            if rows:
                conn.execute(insert(indicators), rows)
            if ev.findings:
                conn.execute(insert(findings), [{
                    "review_id": rid, "position": i, "code": x.code, "severity": x.severity, "title": x.title,
                    "message": x.message, "indicators": json.dumps(list(x.indicators), ensure_ascii=False),
                    "dismissed_by": None if x.dismissed is None else x.dismissed.reviewer,
                    "dismissed_reason": None if x.dismissed is None else x.dismissed.reason}
                    for i, x in enumerate(ev.findings)])
            if ev.decisions:
                conn.execute(insert(decisions), [{
                    "review_id": rid, "position": i, "kind": d.kind, "subject": d.subject, "score": _text(d.score),
                    "reason": d.reason, "reviewer": d.reviewer} for i, d in enumerate(ev.decisions)])
        return Stored(rid, key, f.year, revision, True, ident)

    # --- reading ----------------------------------------------------------------------------------

    def previous(self, key: str, year: int) -> PriorYear | None:
        """The latest revision of the project's most recent year before `year`, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(reviews).join(projects, projects.c.id == reviews.c.project_id)
                .where(and_(projects.c.key == key, reviews.c.year < year))
                .order_by(reviews.c.year.desc(), reviews.c.revision.desc()).limit(1)).first()
            return None if row is None else self._prior(conn, row)

    def prior(self, ref: str) -> PriorYear | None:
        """The stored review of that identity (`PriorYear.ref`), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(reviews).where(reviews.c.identity == ref).limit(1)).first()
            return None if row is None else self._prior(conn, row)

    def _prior(self, conn, row) -> PriorYear:
        inds = conn.execute(select(indicators).where(indicators.c.review_id == row.id)
                            .order_by(indicators.c.position)).all()
        found = conn.execute(select(findings).where(and_(findings.c.review_id == row.id,
                                                         findings.c.dismissed_by.is_(None)))
                             .order_by(findings.c.position)).all()
        return PriorYear(
            year=row.year, project_name=row.project_name, full_marks=Decimal(row.full_marks),
            review_low=Decimal(row.review_low), review_high=Decimal(row.review_high), rating=row.rating,
            rating_text=row.rating_text, self_total=_dec(row.self_total), execution_rate=_dec(row.execution_rate),
            indicators=tuple(PriorIndicator(
                key=i.key, name=i.name, target=i.target or "", target_value=_dec(i.target_value),
                comparator=i.comparator, unit=i.unit or "", actual=i.actual or "",
                actual_value=_dec(i.actual_value), weight=_dec(i.weight), review_score=_dec(i.review_score))
                for i in inds),
            findings=tuple(PriorFinding(x.code, x.severity, x.title, tuple(json.loads(x.indicators or "[]")))
                           for x in found),
            revision=row.revision, ref=row.identity)

    def reviews(self, project: str | None = None, latest: bool = True) -> list[dict[str, Any]]:
        """Stored reviews as dicts (oldest year first): the latest revision of each project-year, or
        every revision; `project` matches a key exactly or a part of the project name."""
        with self.engine.connect() as conn:
            # every column but the form file itself (it is read only to render a year again)
            q = (select(*(c for c in reviews.c if c.name != "form_bytes"), projects.c.key.label("project_key"),
                        projects.c.name.label("current_name"))
                 .join(projects, projects.c.id == reviews.c.project_id))
            if project:
                q = q.where((projects.c.key == project) | projects.c.name.contains(project)
                            | reviews.c.project_name.contains(project))
            rows = [dict(r._mapping) for r in conn.execute(q.order_by(projects.c.key, reviews.c.year,
                                                                      reviews.c.revision))]
        if latest:
            last: dict[tuple[str, int], dict[str, Any]] = {}
            for r in rows:
                last[(r["project_key"], r["year"])] = r
            rows = list(last.values())
        return rows

    def rows(self, table: str, review_ids: list[int]) -> list[dict[str, Any]]:
        """The indicator or finding rows of these reviews, in order."""
        t = {"indicators": indicators, "findings": findings}[table]
        if not review_ids:
            return []
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(t).where(t.c.review_id.in_(review_ids)).order_by(t.c.review_id, t.c.position))]

    def source(self, review_id: int) -> dict[str, Any]:
        """What a stored review was made from: its form file (`form_name`, `form_bytes`), the params
        it ran with (`params`), the previous year it was compared with (`prior_ref`) and the
        selfeval version that made it."""
        with self.engine.connect() as conn:
            row = conn.execute(select(reviews.c.form_name, reviews.c.form_bytes, reviews.c.params_json,
                                      reviews.c.prior_ref, reviews.c.selfeval_version)
                               .where(reviews.c.id == review_id)).first()
        if row is None:
            raise RecordError(f"{self.where}: no review {review_id}")
        return {"form_name": row.form_name, "form_bytes": row.form_bytes, "prior_ref": row.prior_ref,
                "params": None if row.params_json is None else json.loads(row.params_json),
                "selfeval_version": row.selfeval_version}


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__


__all__ = ["DEFAULT_NAME", "RESERVED", "Record", "Stored", "identity_of", "url_of"]
