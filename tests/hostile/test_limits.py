"""Input limits: refused with a clear message before the work, never a hang or a blow-up.

Reproduces: `/dev/zero` and a FIFO hanging the loader; files far larger than any form read whole;
published tables of absurd size built cell by cell.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from selfeval.errors import FormError
from selfeval.loaders import load_form
from selfeval.loaders.limits import DEFAULTS, limit

PUBLISHED = Path(__file__).resolve().parent.parent / "published"


def test_defaults_and_overrides(monkeypatch):
    assert limit("SELFEVAL_MAX_FILE_MB") == DEFAULTS["SELFEVAL_MAX_FILE_MB"]
    monkeypatch.setenv("SELFEVAL_MAX_FILE_MB", "3")
    assert limit("SELFEVAL_MAX_FILE_MB") == 3
    monkeypatch.setenv("SELFEVAL_MAX_FILE_MB", "lots")
    with pytest.raises(FormError, match="SELFEVAL_MAX_FILE_MB: limit: saw 'lots', expected a whole number"):
        limit("SELFEVAL_MAX_FILE_MB")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFEVAL_MAX_FILE_MB", "1")
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    with pytest.raises(FormError, match=r"big.txt: file: saw '2.0 MiB', expected a form file of at most 1 MiB"):
        load_form(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "form.txt"
    os.mkfifo(fifo)
    with pytest.raises(FormError, match="not a regular file"):
        load_form(fifo)


def test_a_device_is_refused():
    with pytest.raises(FormError, match="not a regular file"):
        load_form("/dev/zero")


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_a_published_table_over_the_cell_limit_is_refused(monkeypatch, fmt):
    monkeypatch.setenv("SELFEVAL_MAX_CELLS", "50")
    with pytest.raises(FormError, match=r"table.*cells.*at most 50 cells"):
        load_form(PUBLISHED / f"national_farmland.{fmt}")


def test_a_pdf_over_the_page_limit_is_refused(monkeypatch):
    monkeypatch.setenv("SELFEVAL_MAX_PAGES", "2")
    with pytest.raises(FormError, match=r"3 pages.*at most 2 pages"):
        load_form(PUBLISHED / "suzhou_seed.pdf")


def test_a_form_over_the_indicator_limit_is_refused(monkeypatch):
    monkeypatch.setenv("SELFEVAL_MAX_INDICATORS", "5")
    with pytest.raises(FormError, match=r"9 indicators.*at most 5"):
        load_form(PUBLISHED.parent.parent / "selfeval" / "examples" / "national_farmland.txt")



def _docx_with(tmp_path: Path, prolog: str, first_text: str = "") -> Path:
    """The published .docx with `prolog` put after document.xml's XML declaration."""
    import bombs

    def edit(xml: str) -> str:
        at = xml.index("?>") + 2
        return (xml[:at] + prolog + xml[at:]).replace("<w:t>", f"<w:t>{first_text}", 1)

    return bombs.docx_rewritten(tmp_path / "crafted.docx", edit)


def test_a_docx_with_nested_entities_is_a_located_error_not_a_traceback(tmp_path):
    entities = '<!ENTITY a "xxxxxxxxxx">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefg", "bcdefgh", strict=True))
    bomb = _docx_with(tmp_path, f"<!DOCTYPE w:document [{entities}]>", "&h;")
    with pytest.raises(FormError, match=r"crafted\.docx: word/document\.xml: XML: saw 'a DTD or entity declaration'"):
        load_form(bomb)


def test_a_docx_part_that_is_not_xml_is_a_located_error(tmp_path):
    broken = _docx_with(tmp_path, "", "<<<")
    with pytest.raises(FormError, match=r"crafted\.docx: line \d+, column \d+: XML: saw 'not well-formed XML"):
        load_form(broken)


def _params_naming(tmp_path: Path, key: str, target: Path) -> Path:
    (tmp_path / "seed.txt").write_bytes((PUBLISHED.parent.parent / "selfeval" / "examples" / "seed.txt").read_bytes())
    p = tmp_path / "p.yaml"
    p.write_text(f"form: seed.txt\n{key}: {target}\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
@pytest.mark.parametrize("what", ["params", "decisions", "layout", "ruleset", "aliases"])
def test_every_file_selfeval_reads_goes_through_one_gate(tmp_path, kind, what):
    """A FIFO, a device or a folder where a params, decisions, layout, ruleset or aliases file
    should be is refused at once, naming it (a FIFO is never waited on, /dev/zero never read)."""
    import signal

    from selfeval.errors import SelfevalError
    from selfeval.form.keys import load_aliases
    from selfeval.params import load_params

    target = {"fifo": tmp_path / "odd.yaml", "device": Path("/dev/zero"), "directory": tmp_path / "dir.yaml"}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    signal.alarm(10)  # a hang fails the test instead of the suite
    try:
        with pytest.raises(SelfevalError, match=r"not a regular file|a directory|not found|neither a \w+ name nor a file") as err:
            if what == "params":
                load_params(target)
            elif what == "aliases":
                load_aliases(target)
            else:
                load_params(_params_naming(tmp_path, what, target))
    finally:
        signal.alarm(0)
    assert str(target) in str(err.value)


def test_a_fifo_in_the_params_folder_fails_alone_and_never_hangs_the_batch(tmp_path):
    import signal
    import subprocess
    import sys

    params = tmp_path / "params"
    params.mkdir()
    os.mkfifo(params / "stuck.yaml")
    (params / "broken.yaml").write_text("form: nowhere.txt\n", encoding="utf-8")
    signal.alarm(60)
    try:
        done = subprocess.run([sys.executable, "-m", "selfeval.cli", "run", str(params), "--out", str(tmp_path / "out"),
                               "--no-portfolio", "--jobs", "1"], capture_output=True, text=True, timeout=50)
    finally:
        signal.alarm(0)
    assert done.returncode == 1
    assert "FAILED stuck: stuck.yaml: not a regular file" in done.stderr, done.stderr[-2000:]


# --- small files that cost much: each read within 10 s and a 1 GB peak, or refused, located -------

READ_ONE = """
import json, resource, sys, time
from selfeval.errors import SelfevalError
from selfeval.loaders import load_form
start = time.perf_counter()
try:
    load_form(sys.argv[1]); error = ""
except SelfevalError as exc:
    error = str(exc)
print(json.dumps({"seconds": time.perf_counter() - start, "error": error,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _read_in_a_child(path: Path) -> dict:
    """Load `path` in a fresh Python and report its time and its own peak RSS (not an address-space
    limit, which breaks numerical libraries)."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", READ_ONE, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("make", "expected"), [
    ("docx_zip_bomb", r"bomb\.docx: word/document\.xml: package: saw 'more than 100 MB when unpacked'"),
    ("nested_tables", r"nested\.html: line 1: table: saw 'tables nested more than 8 deep'"),
    ("far_xlsx", r"far\.xlsx \[sheet 自评表\]: sheet: saw 'cells used as far as GR1000000'"),
    ("lying_dimension", ""),  # read as the form it is: the lie is not believed
    ("pdf_text_bomb", r"text\.pdf: page 1: content: saw 'more than 8 MB of drawing and text'"),
    ("pdf_dense_rulings", r"rulings\.pdf: page 1: ruling: saw '14400 line and box drawing operations'"),
    ("pdf_page_tree", r"pages\.pdf: file: saw 'a PDF without a text layer"),  # one page, its entries not walked again
    ("docx_wide_span", r"span\.docx: word/document\.xml: table: saw 'a cell spanning 1000000 columns'"),
])
def test_small_files_that_cost_much_are_read_or_refused_within_bounds(tmp_path, make, expected):
    import bombs

    path = {"docx_zip_bomb": lambda: bombs.docx_zip_bomb(tmp_path / "bomb.docx"),
            "nested_tables": lambda: bombs.nested_tables(tmp_path / "nested.html"),
            "far_xlsx": lambda: bombs.far_cell_workbook(tmp_path / "far.xlsx", 1_000_000, 200),
            "lying_dimension": lambda: bombs.lying_dimension(tmp_path / "dimension.xlsx"),
            "pdf_text_bomb": lambda: bombs.pdf_text_bomb(tmp_path / "text.pdf"),
            "pdf_dense_rulings": lambda: bombs.pdf_dense_rulings(tmp_path / "rulings.pdf"),
            "pdf_page_tree": lambda: bombs.pdf_page_tree(tmp_path / "pages.pdf"),
            "docx_wide_span": lambda: bombs.docx_wide_span(tmp_path / "span.docx")}[make]()
    assert path.stat().st_size < 1 << 20
    got = _read_in_a_child(path)
    assert got["seconds"] < 10 and got["peak_mb"] < 1024, got
    if expected:
        assert re.search(expected, got["error"]), got
    else:
        assert got["error"] == "", got


@pytest.mark.slow
def test_an_xls_with_a_far_cell_is_refused_by_its_extent(tmp_path):
    import shutil

    import bombs

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (.ci/run installs it)")
    path = bombs.far_cell_workbook(tmp_path / "far.xls", 65000, 250)
    got = _read_in_a_child(path)
    assert "cells used as far as IP65000" in got["error"] and got["seconds"] < 10 and got["peak_mb"] < 1024, got


def test_a_limit_is_set_for_one_run_on_the_command_line(tmp_path, monkeypatch, capsys):
    from selfeval.cli import main

    monkeypatch.setenv("SELFEVAL_MAX_TABLE_DEPTH", "8")  # the default; undone after the test, whatever main set
    import bombs

    page = bombs.nested_tables(tmp_path / "nested.html", depth=12)
    assert main(["review", str(page)]) == 1
    assert "tables nested more than 8 deep" in capsys.readouterr().err
    main(["--limit", "TABLE_DEPTH=20", "review", str(page)])  # past the depth check now (no form there)
    assert "nested more than" not in capsys.readouterr().err
    assert main(["--limit", "NOSUCH=3", "review", str(page)]) == 2
    assert "unknown limit 'NOSUCH'; the limits are FILE_MB, CELLS" in capsys.readouterr().err
    assert main(["--limit", "FILE_MB=-1", "review", str(page)]) == 2
