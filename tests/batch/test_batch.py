"""Batch runs: good projects render, broken ones are listed with their reason, reruns skip."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from selfeval.batch.run import MANIFEST, run_batch
from selfeval.cli import main

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "selfeval" / "examples"


def make_params_dir(tmp: Path) -> Path:
    d = tmp / "params"
    (d / "forms").mkdir(parents=True)
    shutil.copy(EXAMPLES / "seed.txt", d / "seed.txt")
    shutil.copy(EXAMPLES / "eldercare.yaml", d / "forms" / "eldercare.yaml")
    (d / "a_seed.yaml").write_text("form: seed.txt\nreview_date: 2024-03-15\n", encoding="utf-8")
    (d / "b_elder.yaml").write_text("form: forms/eldercare.yaml\n", encoding="utf-8")
    (d / "c_missing.yaml").write_text("form: nowhere.txt\n", encoding="utf-8")
    (d / "d_broken.txt").write_text("not a form at all\n", encoding="utf-8")
    (d / "d_broken.yaml").write_text("form: d_broken.txt\n", encoding="utf-8")
    return d


def test_run_isolates_failures_and_skips_unchanged(tmp_path, capsys):
    params, out = make_params_dir(tmp_path), tmp_path / "reports"
    assert main(["run", str(params), "--out", str(out), "--jobs", "2"]) == 1  # some failed
    err = capsys.readouterr().err
    assert "2 rendered, 0 skipped, 2 failed" in err
    assert "FAILED c_missing" in err and "nowhere.txt" in err
    assert (out / "a_seed.html").exists() and (out / "b_elder.html").exists()
    assert not (out / "c_missing.html").exists() and not (out / "d_broken.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "c_missing" in index and "nowhere.txt" in index and "d_broken" in index
    assert "电子政务项目运行维护资金" in index and "79.43" in index and 'href="./a_seed.html"' in index
    assert 'href="portfolio.html"' in index and (out / "portfolio.html").exists()
    assert "<script src" not in index and "http" not in index.replace('href="./a_seed', "")
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))

    rows = list(csv.DictReader((out / "scores.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [r["参数文件"] for r in rows] == ["a_seed", "b_elder", "c_missing", "d_broken"]
    assert rows[0]["复核总分"] == "79.43" and rows[0]["本次运行"] == "本次生成"
    assert rows[2]["本次运行"] == "失败" and "nowhere.txt" in rows[2]["失败原因"]

    from openpyxl import load_workbook

    wb = load_workbook(out / "scores.xlsx")
    assert wb.sheetnames == ["项目", "指标", "问题清单"]
    assert wb["项目"].max_row == 5 and wb["指标"].max_row > 40
    assert wb["项目"].freeze_panes == "A2"

    # Second run: the good projects are unchanged and skipped; the broken ones are tried again.
    assert main(["run", str(params), "--out", str(out)]) == 1
    assert "0 rendered, 2 skipped, 2 failed" in capsys.readouterr().err
    # Fixing a project renders it; touching a form re-renders only that project.
    (params / "c_missing.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    (params / "d_broken.yaml").unlink()
    summary = run_batch(params, out, jobs=1)
    assert (summary.rendered, summary.skipped, summary.failed) == (1, 2, 0)
    assert (out / "c_missing.html").exists()
    elder = params / "forms" / "eldercare.yaml"
    elder.write_text(elder.read_text(encoding="utf-8").replace("苏州市民政局", "苏州市民政局（改）"),
                     encoding="utf-8")
    summary = run_batch(params, out, jobs=1)
    assert [o.name for o in summary.outcomes if o.status == "rendered"] == ["b_elder"]
    # --force renders everything again
    summary = run_batch(params, out, jobs=2, force=True)
    assert summary.rendered == 3 and summary.skipped == 0


def test_all_skipped_rerun_writes_nothing(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(EXAMPLES / "seed.txt", params / "seed.txt")
    (params / "one.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch(params, out, jobs=1)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file() and p.name != MANIFEST}
    summary = run_batch(params, out, jobs=1)
    assert summary.skipped == 1
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file() and p.name != MANIFEST}
    assert before == after


def test_failing_notebook_is_kept_for_diagnosis(tmp_path, monkeypatch):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params_cell = nbformat.v4.new_code_cell("params_file = None")
    params_cell.metadata["tags"] = ["parameters"]
    nb.cells = [params_cell, nbformat.v4.new_code_cell("raise RuntimeError('chart failed')")]
    nbformat.write(nb, nb_dir / "project_report.ipynb")
    monkeypatch.setenv("SELFEVAL_NOTEBOOKS", str(nb_dir))
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(EXAMPLES / "seed.txt", params / "seed.txt")
    (params / "p.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch(params, out, jobs=1)
    assert summary.failed == 1
    assert "RuntimeError" in summary.outcomes[0].reason and "chart failed" in summary.outcomes[0].reason
    kept = nbformat.read(out / "_failed" / "p.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in kept.cells for o in c.get("outputs", []))
    assert not (out / "p.html").exists()


def test_empty_params_dir_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["run", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 1
    assert "no params files" in capsys.readouterr().err


def test_dask_cluster_renders_without_shared_files(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import selfeval.report.fonts

    def not_here():
        raise AssertionError("a Dask batch draws nothing where it is sent from")

    monkeypatch.setattr(selfeval.report.fonts, "warm_font_cache", not_here)
    params = make_params_dir(tmp_path)
    (params / "d_broken.yaml").unlink()
    (params / "c_missing.yaml").unlink()
    out = tmp_path / "dask-out"
    # Worker processes, like a real cluster (in-process workers run tasks inside an event loop).
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        summary = run_batch(params, out, dask_address=cluster.scheduler_address)
    assert (summary.rendered, summary.failed) == (2, 0)
    assert "79.43" in (out / "a_seed.html").read_text(encoding="utf-8")
    assert (out / "index.html").exists()


def test_a_failing_portfolio_page_does_not_cost_the_reports(tmp_path, monkeypatch, capsys):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    shutil.copy(ROOT / "notebooks" / "project_report.ipynb", nb_dir / "project_report.ipynb")
    monkeypatch.setenv("SELFEVAL_NOTEBOOKS", str(nb_dir))  # no portfolio.ipynb there
    params = make_params_dir(tmp_path)
    (params / "c_missing.yaml").unlink()
    (params / "d_broken.yaml").unlink()
    out = tmp_path / "out"
    assert main(["run", str(params), "--out", str(out), "--jobs", "1"]) == 1
    assert "FAILED portfolio.html" in capsys.readouterr().err
    assert (out / "a_seed.html").exists() and (out / "b_elder.html").exists() and (out / "index.html").exists()
    assert not (out / "portfolio.html").exists()
    assert "portfolio.html" not in (out / "index.html").read_text(encoding="utf-8")
    # --no-portfolio skips the page altogether
    assert main(["run", str(params), "--out", str(tmp_path / "out2"), "--jobs", "1", "--no-portfolio"]) == 0


@pytest.mark.slow
def test_dask_workers_without_forked_kernels_load_the_font_cache_before_their_kernels(monkeypatch):
    distributed = pytest.importorskip("distributed")
    from selfeval.batch.distributed import ForkServerPlugin
    from selfeval.execution import forkserver

    monkeypatch.setenv(forkserver.ENABLE_ENV, "0")  # the workers inherit it: ordinary kernels there
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.register_plugin(ForkServerPlugin())
        assert list(client.run(forkserver.running).values()) == [None]
        # a kernel that built the cache itself would print "building the font cache" into its report
        assert list(client.run(lambda: "matplotlib.font_manager" in __import__("sys").modules).values()) == [True]


@pytest.mark.slow
def test_dask_workers_render_with_forked_kernels_of_their_own(tmp_path):
    distributed = pytest.importorskip("distributed")
    from selfeval.batch.distributed import ForkServerPlugin
    from selfeval.execution import forkserver

    if not forkserver.available():
        pytest.skip("forked kernels need Linux")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.register_plugin(ForkServerPlugin())
        servers = client.run(forkserver.running)
        # the servers' preload loaded matplotlib's font cache; the workers themselves draw nothing
        assert set(client.run(lambda: "matplotlib" in __import__("sys").modules).values()) == {False}
        assert len(servers) == 2 and all(servers.values()) and len(set(servers.values())) == 2  # one each
        client.register_plugin(ForkServerPlugin())  # a second batch on the same cluster
        assert client.run(forkserver.running) == servers  # keeps the servers it found
        # the workers skip jsonschema's unused `iri` checker, as a local batch's workers do
        assert set(client.run(lambda: __import__("sys").modules.get("rfc3987_syntax", "loaded")).values()) == {None}
        params = tmp_path / "params"
        params.mkdir()
        shutil.copy(EXAMPLES / "seed.txt", params / "seed.txt")
        (params / "seed.yaml").write_text("form: seed.txt\n", encoding="utf-8")
        summary = run_batch(params, tmp_path / "out", dask_address=cluster.scheduler_address, portfolio=False)
        assert summary.rendered == 1 and "79.43" in (tmp_path / "out" / "seed.html").read_text(encoding="utf-8")
