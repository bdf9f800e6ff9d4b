"""The record across years: revisions by identity, the previous year read back, concurrent
writers, a writer killed mid-write, migrations from the first schema, and the same on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from builders import clean_form, replace_fields, with_indicator
from sqlalchemy import create_engine, func, select, text

from selfeval.assess.checks import review
from selfeval.assess.decisions import Decision
from selfeval.errors import RecordError
from selfeval.record import schema
from selfeval.record.store import Record, url_of

ROOT = Path(__file__).resolve().parents[2]


def _ev(suzhou, name="电子政务项目运行维护资金", year=2023, previous=None, decisions=None, **changes):
    form = replace_fields(clean_form(), project_name=name, year=year, **changes)
    return review(form, suzhou, decisions, previous=previous)


def test_the_same_review_adds_nothing_and_a_changed_one_adds_a_revision(record_url, tmp_path):
    from selfeval.record.backfill import add_files

    form = tmp_path / "seed.txt"
    form.write_bytes((ROOT / "selfeval" / "examples" / "seed.txt").read_bytes())
    params = tmp_path / "seed.yaml"
    params.write_text("form: seed.txt\nreviewer: 王复核\n", encoding="utf-8")
    with Record(record_url) as rec:
        first = add_files(rec, [params])[0].stored
        again = add_files(rec, [params])[0].stored
        assert first.added and not again.added and again.review_id == first.review_id and again.revision == 1
        form.write_text(form.read_text(encoding="utf-8").replace("2077.78", "2077.79"), encoding="utf-8")
        changed = add_files(rec, [params])[0].stored  # the form file differs: its hash
        params.write_text("form: seed.txt\nreviewer: 李复核\nreview_date: 2024-03-01\n", encoding="utf-8")
        signed = add_files(rec, [params])[0].stored  # a new sign-off
        assert (changed.added, changed.revision, signed.added, signed.revision) == (True, 2, True, 3)
        rows = rec.reviews(first.project_key, latest=False)
        assert [r["revision"] for r in rows] == [1, 2, 3]  # the old ones stay
        assert rows[0]["form_sha256"] != rows[1]["form_sha256"]
        latest = rec.reviews(first.project_key)
        assert len(latest) == 1 and latest[0]["reviewer"] == "李复核" and latest[0]["review_date"] == "2024-03-01"


def test_new_decisions_add_a_revision_and_keep_the_old(record_url, suzhou):
    pending = with_indicator(clean_form(), "驻场运维周期", actual="情况复杂")
    with Record(record_url) as rec:
        one = rec.add(review(pending, suzhou))
        d = [Decision(kind="score", subject="驻场运维周期", score=Decimal("12"), reason="台账核实", reviewer="王")]
        two = rec.add(review(pending, suzhou, d))
        assert (one.revision, two.revision) == (1, 2) and two.added
        rows = rec.reviews(one.project_key, latest=False)
        assert [r["rating_text"] for r in rows] == ["待定（良或优）", "优"]


def test_the_previous_year_reads_back_what_was_stored(record_url, suzhou):
    with Record(record_url) as rec:
        assert rec.previous("x/y", 2023) is None
        stored = rec.add(_ev(suzhou, year=2022))
        prior = rec.previous(stored.project_key, 2023)
        assert prior.year == 2022 and prior.ref == stored.ref and prior.revision == 1
        assert prior.review_low == Decimal("80.00") or prior.review_low == _ev(suzhou, year=2022).review_low
        assert len(prior.indicators) == len(clean_form().indicators)
        first = prior.indicators[0]
        assert first.name == clean_form().indicators[0].name and first.target == clean_form().indicators[0].target.raw
        assert rec.previous(stored.project_key, 2022) is None  # only years before
        assert rec.prior(stored.ref) == prior


def test_two_writers_at_once_lose_nothing(record_url, tmp_path):
    """Two processes store 25 projects each, 10 of them the same, at the same moment."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'tests')!r})
        from builders import clean_form, replace_fields
        from selfeval.assess.checks import review
        from selfeval.assess.rulesets import load_ruleset
        from selfeval.record.store import Record
        rs = load_ruleset("suzhou-2023")
        who = sys.argv[1]
        names = [f"共享项目{{i}}" for i in range(10)] + [f"{{who}}项目{{i}}" for i in range(15)]
        evs = [review(replace_fields(clean_form(), project_name=n), rs) for n in names]
        with Record({record_url!r}) as rec:
            for ev in evs:
                rec.add(ev)
        print("ok")
    """)
    go = tmp_path / "writer.py"
    go.write_text(script, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(go), w], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in ("甲", "乙")]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    with Record(record_url) as rec:
        rows = rec.reviews(latest=False)
        assert len(rows) == 40  # 10 shared (once each) + 15 + 15
        assert all(r["revision"] == 1 for r in rows)
        with rec.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(schema.indicators)).scalar() == 40 * len(
                clean_form().indicators)


KILLED_WRITER = """
import sys
sys.path.insert(0, {tests!r})
from builders import clean_form, replace_fields
from selfeval.assess.checks import review
from selfeval.assess.rulesets import load_ruleset
from selfeval.record.store import Record
rs = load_ruleset("suzhou-2023")
ev = review(clean_form(), rs)
with Record({url!r}) as rec:
    print("ready", flush=True)
    i = 0
    while True:  # distinct projects, as fast as it can, until killed
        i += 1
        rec.add(review(replace_fields(clean_form(), project_name=f"项目{{i}}"), rs))
"""


def test_kill_9_during_writes_leaves_the_record_consistent(tmp_path):
    url = str(tmp_path / "record.db")
    go = tmp_path / "writer.py"
    go.write_text(KILLED_WRITER.format(tests=str(ROOT / "tests"), url=url), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-2000:]
    time.sleep(2.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with Record(url) as rec, rec.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        stored = conn.execute(select(schema.reviews.c.id, schema.reviews.c.indicator_count,
                                     schema.reviews.c.finding_count)).all()
        assert len(stored) > 3  # it was writing
        for rid, n_ind, n_find in stored:  # every review is whole: no half-written one
            assert conn.execute(select(func.count()).where(schema.indicators.c.review_id == rid)).scalar() == n_ind
            assert conn.execute(select(func.count()).where(schema.findings.c.review_id == rid)).scalar() == n_find
    with Record(url) as rec:  # and it takes the next write
        assert rec.add(review(replace_fields(clean_form(), project_name="之后"), _suzhou())).added


def _suzhou():
    from selfeval.assess.rulesets import load_ruleset

    return load_ruleset("suzhou-2023")


def test_a_record_of_the_first_schema_is_migrated_and_keeps_its_reviews(record_url, suzhou):
    engine = create_engine(url_of(record_url))
    schema.migrate(engine, target=1)  # a record as the first version wrote it
    with engine.begin() as conn:
        assert schema.version_of(conn) == 1
        columns = {c["name"] for c in __import__("sqlalchemy").inspect(conn).get_columns("reviews")}
        assert "form_bytes" not in columns
        pid = conn.execute(text("INSERT INTO projects (key, name, department) VALUES ('d/p', '旧项目', '某局') "
                                "RETURNING id")).scalar()
        conn.execute(text(
            "INSERT INTO reviews (project_id, year, revision, identity, created_at, project_name, department, "
            "full_marks, review_total, review_low, review_high, rating, rating_text, settled, provisional, "
            "errors, warnings, infos, indicator_count, finding_count, selfeval_version) VALUES "
            "(:p, 2021, 1, 'old', '2022-01-01T00:00:00+00:00', '旧项目', '某局', '80', '70.5', '70.5', '70.5', "
            "'良', '良', true, false, 0, 1, 0, 0, 0, '0.1.0')"), {"p": pid})
    engine.dispose()
    with Record(record_url) as rec:  # opening brings it to the current version
        with rec.engine.connect() as conn:
            assert schema.version_of(conn) == schema.SCHEMA_VERSION
        old = rec.reviews("d/p")
        assert [(r["year"], r["review_total"], r["selfeval_version"]) for r in old] == [(2021, "70.5", "0.1.0")]
        assert rec.previous("d/p", 2022).rating_text == "良"
        with pytest.raises(RecordError, match="without its form file"):
            from selfeval.report.stored import render_stored

            render_stored(rec, old[0]["id"], Path("unused"), "old")
        assert rec.add(_ev(suzhou)).added  # and it takes new reviews


def test_a_record_written_by_a_newer_selfeval_is_refused(tmp_path):
    path = tmp_path / "new.db"
    with Record(path) as rec, rec.engine.begin() as conn:
        conn.execute(schema.schema_info.update().values(version=schema.SCHEMA_VERSION + 1))
    with pytest.raises(RecordError, match=r"new\.db: the record is schema version 3, written by a newer selfeval"):
        Record(path)


def test_a_record_that_cannot_be_opened_says_where(tmp_path):
    with pytest.raises(RecordError, match=r"missing/sub/x\.db: the record cannot be opened"):
        Record(tmp_path / "missing" / "sub" / "x.db")
    with pytest.raises(RecordError, match="cannot be opened"):
        Record("postgresql://nobody@127.0.0.1:1/none")


def test_urls_people_type():
    assert url_of("a.db").startswith("sqlite:////") and url_of("a.db").endswith("/a.db")
    assert url_of("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert url_of("sqlite://") == "sqlite://"
