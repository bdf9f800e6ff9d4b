"""Input limits: refused with a clear message before the work, never a hang or a blow-up.

Reproduces: `/dev/zero` and a FIFO hanging the loader; files far larger than any form read whole;
published tables of absurd size built cell by cell.
"""

from __future__ import annotations

import os
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
    import zipfile

    out = tmp_path / "crafted.docx"
    with zipfile.ZipFile(PUBLISHED / "yunnan_yongde.docx") as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                at = text.index("?>") + 2
                text = text[:at] + prolog + text[at:]
                data = text.replace("<w:t>", f"<w:t>{first_text}", 1).encode("utf-8")
            zout.writestr(item, data)
    return out


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
