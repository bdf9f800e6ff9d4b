"""A batch never loses work: per-project failures named, a dead worker fails only its project,
kill -9 and Ctrl-C leave no process behind and nothing half-written, the next run repairs the
index, an unusable output folder is refused first, links and paths in the index are safe.

Each test reproduces a case of the hostile-input review (tests/hostile/).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selfeval.batch import run as batch
from selfeval.batch.run import MANIFEST, STAMP, run_batch
from selfeval.cli import main
from selfeval.errors import SelfevalError

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "selfeval" / "examples"
SELFEVAL = [sys.executable, "-m", "selfeval.cli"]

# Ten ways a params file (or what it names) is broken, and what the reason must say.
BROKEN = {
    "x01_date": ("form: seed.txt\nreview_date: 2024-02-30\n", "review_date"),
    "x02_missing": ("form: nowhere.txt\n", "nowhere.txt"),
    "x03_key": ("form: seed.txt\nreviewr: 甲\n", "reviewr"),
    "x04_dup": ("form: seed.txt\nform: seed.txt\n", "duplicate key 'form'"),
    "x05_garbage": ("form: garbage.txt\n", "garbage.txt"),
    "x06_decision": ("form: seed.txt\ndecisions: {reviewer: 甲, scores: [{indicator: 不存在的指标, score: 1, reason: x}]}\n",
                     "不存在的指标"),
    "x07_ruleset": ("form: seed.txt\nruleset: nonesuch\n", "ruleset"),
    "x08_layout": ("form: seed.txt\nlayout: nowhere.yaml\n", "layout"),
    "x09_type": ("form: [seed.txt]\n", "form"),
    "x10_region": ("form: seed.txt\nregion: 火星\n", "region '火星'"),
}


def params_dir(tmp: Path, good: int = 2, broken: dict | None = None) -> Path:
    d = tmp / "params"
    d.mkdir()
    shutil.copy(EXAMPLES / "seed.txt", d / "seed.txt")
    (d / "garbage.txt").write_text("这不是自评表\n", encoding="utf-8")
    for n in range(good):
        (d / f"p{n:02d}.yaml").write_text(f"form: seed.txt\nreviewer: 复核{n}\n", encoding="utf-8")
    for name, (text, _) in (broken or {}).items():
        (d / f"{name}.yaml").write_text(text, encoding="utf-8")
    return d


def test_fifty_projects_ten_broken_render_forty_and_name_the_ten(tmp_path):
    params = params_dir(tmp_path, good=40, broken=BROKEN)
    out = tmp_path / "out"
    summary = run_batch(params, out, jobs=2, portfolio=False)
    assert (summary.rendered, summary.failed) == (40, 10)
    assert len(list(out.glob("p*.html"))) == 40
    failed = {o.name: o.reason for o in summary.outcomes if o.status == "failed"}
    for name, (_, says) in BROKEN.items():
        assert f"{name}.yaml" in failed[name] and says in failed[name], (name, failed[name])
        assert str(tmp_path) not in failed[name]  # relative to the params folder
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(name in index for name in BROKEN) and str(tmp_path) not in index
    # every failed project leaves something in _failed/: here, before any kernel, a note
    for name, (_, says) in BROKEN.items():
        assert says in (out / "_failed" / f"{name}.txt").read_text(encoding="utf-8"), name


_REAL_RENDER = batch.render_one


def dying_render(params_file: str, out_dir: str, docx: bool = False, previous=None):
    """render_one, except that the worker rendering p01 dies as the OOM killer would end it."""
    if Path(params_file).stem == "p01":
        os._exit(9)
    return _REAL_RENDER(params_file, out_dir, docx, previous)


def test_a_dead_worker_fails_only_its_project(tmp_path, monkeypatch):
    params = params_dir(tmp_path, good=3)
    monkeypatch.setattr(batch, "render_one", dying_render)  # workers are forked: they see it
    summary = run_batch(params, tmp_path / "out", jobs=2, portfolio=False)
    states = {o.name: o.status for o in summary.outcomes}
    assert states == {"p00": "rendered", "p01": "failed", "p02": "rendered"}
    reason = next(o.reason for o in summary.outcomes if o.name == "p01")
    assert "p01.yaml" in reason and "died twice" in reason
    assert not (tmp_path / "out" / "p01.html").exists()


def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path, capsys):
    params = params_dir(tmp_path, good=1)
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    started = time.perf_counter()
    assert main(["run", str(params), "--out", str(blocker / "reports")]) == 1
    err = capsys.readouterr().err
    assert "the output folder cannot be written" in err and str(blocker / "reports") in err
    assert time.perf_counter() - started < 5  # refused, not rendered first
    with pytest.raises(SelfevalError, match="cannot be written"):
        run_batch(params, blocker / "reports")


def test_a_stale_index_is_rewritten_though_every_project_is_unchanged(tmp_path):
    params = params_dir(tmp_path, good=2)
    out = tmp_path / "out"
    run_batch(params, out, jobs=1, portfolio=False)
    (out / "index.html").write_text("stale", encoding="utf-8")
    (out / STAMP).write_text("from another run", encoding="utf-8")
    summary = run_batch(params, out, jobs=1, portfolio=False)
    assert summary.skipped == 2
    assert "p00" in (out / "index.html").read_text(encoding="utf-8")


def test_links_are_safe_relative_file_names(tmp_path):
    params = params_dir(tmp_path, good=1)
    (params / "javascript:alert(1).yaml").write_text("form: seed.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch(params, out, jobs=1)
    for page in ("index.html", "portfolio.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert 'href="javascript:' not in text
        assert 'href="./javascript%3Aalert%281%29.html"' in text
    assert (out / "javascript:alert(1).html").exists()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _start_run(params: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([*SELFEVAL, "run", str(params), "--out", str(out), "--jobs", "2", "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.time() + 60
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2:
        workers = _children(proc.pid)
        time.sleep(0.2)
    assert len(workers) >= 2, "the batch did not start its workers"
    time.sleep(1.5)  # the workers are rendering now
    return proc, workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_leaves_no_process_and_the_next_run_repairs(tmp_path):
    params = params_dir(tmp_path, good=4)
    out = tmp_path / "out"
    proc, workers = _start_run(params, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and _alive(workers):
        time.sleep(0.2)
    assert _alive(workers) == []
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    summary = run_batch(params, out, jobs=2, portfolio=False)
    assert summary.failed == 0 and summary.rendered + summary.skipped == 4
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"p0{n}" in index for n in range(4)) and (out / MANIFEST).exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_with_one_line(tmp_path, sig):
    params = params_dir(tmp_path, good=4)
    proc, workers = _start_run(params, tmp_path / "out")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.count("selfeval: interrupted") == 1
    deadline = time.time() + 20
    while time.time() < deadline and _alive(workers):
        time.sleep(0.2)
    assert _alive(workers) == []


def test_a_dask_runs_reports_are_byte_identical_to_a_local_runs(tmp_path):
    pytest.importorskip("distributed")
    dask = Path(sys.executable).with_name("dask")
    params = params_dir(tmp_path, good=1)
    shutil.copy(EXAMPLES / "rural_roads.txt", params / "rural_roads.txt")
    (params / "reviews").mkdir()
    shutil.copy(EXAMPLES / "rural_roads.decisions.yaml", params / "reviews" / "roads.yaml")
    (params / "roads.yaml").write_text("form: rural_roads.txt\ndecisions: reviews/roads.yaml\n", encoding="utf-8")
    local = run_batch(params, tmp_path / "local", jobs=1, portfolio=False)
    assert local.failed == 0
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen([str(dask), "scheduler", "--scheduler-file", str(sched_file), "--port", "0",
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    worker = None
    try:
        deadline = time.time() + 60
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        import json

        address = json.loads(sched_file.read_text(encoding="utf-8"))["address"]
        worker = subprocess.Popen([str(dask), "worker", "--scheduler-file", str(sched_file), "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
        remote = run_batch(params, tmp_path / "remote", dask_address=address, portfolio=False)
    finally:
        for p in (worker, scheduler):
            if p is not None:
                p.terminate()
                p.wait(timeout=30)
    assert remote.failed == 0 and remote.rendered == 2
    for name in ("p00", "roads"):
        mine, theirs = (tmp_path / "local" / f"{name}.html").read_bytes(), (tmp_path / "remote" / f"{name}.html").read_bytes()
        assert mine == theirs, name
    assert "rural_roads.txt" in (tmp_path / "remote" / "roads.html").read_text(encoding="utf-8")


def test_two_params_files_of_one_name_are_refused(tmp_path):
    params = params_dir(tmp_path, good=1)
    (params / "p00.yml").write_text("form: seed.txt\n", encoding="utf-8")
    with pytest.raises(SelfevalError, match=r"p00.yaml and p00.yml would both render p00.html"):
        run_batch(params, tmp_path / "out")


def test_reasons_lose_only_the_params_folder_prefix():
    from selfeval.batch.run import _relative

    base = Path("/srv/data/params")
    said = "/srv/data/params/x.yaml: form: file '../danowhere.txt' not found (looked for /srv/data/danowhere.txt)"
    assert _relative(said, base) == ("x.yaml: form: file '../danowhere.txt' not found "
                                     "(looked for /srv/data/danowhere.txt)")
    assert _relative("/srv/data/params2/y.yaml: bad", base) == "/srv/data/params2/y.yaml: bad"


def test_a_failed_portfolio_is_tried_again_and_never_linked(tmp_path, monkeypatch):
    from selfeval.batch import portfolio

    params = params_dir(tmp_path, good=2)
    out = tmp_path / "out"

    def broken(*a, **k):
        raise SelfevalError("portfolio.ipynb: chart failed")

    monkeypatch.setattr(portfolio, "render_portfolio_from_outcomes", broken)
    first = run_batch(params, out, jobs=1)
    assert first.portfolio_error and 'href="portfolio.html"' not in (out / "index.html").read_text(encoding="utf-8")
    monkeypatch.undo()
    second = run_batch(params, out, jobs=1)
    assert second.skipped == 2 and not second.portfolio_error and (out / "portfolio.html").exists()
    assert 'href="portfolio.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_one_good_project_links_no_portfolio(tmp_path):
    params = params_dir(tmp_path, good=1, broken={"x02_missing": BROKEN["x02_missing"]})
    run_batch(params, tmp_path / "out", jobs=1)
    assert not (tmp_path / "out" / "portfolio.html").exists()
    assert 'href="portfolio.html"' not in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_names_at_the_file_system_limit_and_odd_characters_render(tmp_path):
    """A params file named with 255 bytes (the limit), `$^$` or a CR renders: no temporary or
    derived name adds bytes past the limit."""
    from selfeval.files import NAME_MAX, fit_name

    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(EXAMPLES / "greening.txt", params / "greening.txt")
    stems = ["长" * 83 + "x", "a$^$b", "cr\rname"]
    assert len((stems[0] + ".yaml").encode()) == NAME_MAX
    for stem in stems:
        (params / f"{stem}.yaml").write_text("form: greening.txt\n", encoding="utf-8")
    summary = run_batch(params, tmp_path / "out", jobs=1, portfolio=False)
    assert summary.failed == 0 and summary.rendered == 3, [o.reason for o in summary.outcomes]
    assert all((tmp_path / "out" / f"{s}.html").is_file() for s in stems)
    # the failed notebook of the longest name is cut to fit, with a hash so two long names differ
    long_nb = fit_name(stems[0], ".ipynb")
    assert len(long_nb.encode()) <= NAME_MAX and long_nb.endswith(".ipynb") and long_nb != fit_name("长" * 84, ".ipynb")
    assert fit_name("seed", ".ipynb") == "seed.ipynb"


def _tmpfs(path: Path, size: str, read_only: bool = False) -> None:
    """Mount a small tmpfs at `path` (root only; the test skips, saying so, elsewhere)."""
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'}); .ci/run runs as root")


@pytest.fixture
def mounts():
    made: list[Path] = []
    yield made
    for m in made:
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


def test_a_read_only_output_folder_is_refused_before_the_report_renders(tmp_path, capsys, mounts):
    ro = tmp_path / "ro"
    _tmpfs(ro, "1m", read_only=True)
    mounts.append(ro)
    start = time.perf_counter()
    assert main(["report", str(ROOT / "params" / "greening.yaml"), "--out", str(ro)]) == 1
    err = capsys.readouterr().err
    assert time.perf_counter() - start < 3  # said at once, not after a render
    assert f"{ro}: the output folder cannot be written (Read-only file system)" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_full_disk_keeps_every_whole_report_and_the_manifest_and_says_where(tmp_path, capsys, mounts):
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(EXAMPLES / "greening.txt", params / "greening.txt")
    for i in range(4):
        (params / f"p{i}.yaml").write_text("form: greening.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    _tmpfs(out, "720k")  # the record and about two reports (about 280 KB each)
    mounts.append(out)
    assert main(["run", str(params), "--out", str(out), "--jobs", "1", "--no-portfolio"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    written = sorted(p.name for p in out.glob("p*.html"))
    assert written, err  # some reports fit, and each is whole
    for page in out.glob("p*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not list(out.glob(".selfeval-*.tmp"))  # nothing half-written left behind
    import json

    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))  # what succeeded is known
    assert sorted(f"{name}.html" for name in manifest) == written
    failed = [line for line in err.splitlines() if line.startswith("selfeval: FAILED p")]
    assert failed and all("cannot write (No space left on device)" in line for line in failed), failed


def test_the_content_of_a_file_outside_the_params_folder_is_never_quoted(tmp_path):
    secret = tmp_path / "elsewhere" / "credentials.txt"
    secret.parent.mkdir()
    secret.write_text("项目名称\tdb_password=hunter2\n年度\tAPI_KEY=sk-123456\n", encoding="utf-8")
    params = tmp_path / "params"
    params.mkdir()
    (params / "leak.yaml").write_text(f"form: {secret}\n", encoding="utf-8")
    inside = params / "inside.txt"
    inside.write_text(secret.read_text(encoding="utf-8"), encoding="utf-8")
    (params / "mine.yaml").write_text("form: inside.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch(params, out, jobs=1, portfolio=False)
    assert summary.failed == 2
    leak = next(o for o in summary.outcomes if o.name == "leak")
    assert str(secret) in leak.reason and "outside the params folder" in leak.reason
    for page in ("index.html", "scores.csv"):
        text = (out / page).read_text(encoding="utf-8")
        assert "hunter2" not in text and "sk-123456" not in text, page
    # a file inside the params folder is the folder's own: its reason may show what it saw
    mine = next(o for o in summary.outcomes if o.name == "mine")
    assert "outside the params folder" not in mine.reason


def _nofile(soft: int, hard: int):
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_low_open_file_limit_is_raised_or_named(tmp_path):
    import resource

    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(EXAMPLES / "greening.txt", params / "greening.txt")
    for i in range(2):
        (params / f"p{i}.yaml").write_text("form: greening.txt\n", encoding="utf-8")
    run = [*SELFEVAL, "run", str(params), "--jobs", "2", "--no-portfolio", "--out"]
    # a hard limit too low: one line naming the limit, before any project (not "the kernel died")
    done = subprocess.run([*run, str(tmp_path / "low")], capture_output=True, text=True, timeout=120,
                          preexec_fn=_nofile(64, 64))
    assert done.returncode == 1
    assert done.stderr.strip() == ("selfeval: error: the open-file limit is 64 (ulimit -n) and cannot be raised past "
                                   "64; 2 report worker(s) need about 128 open files: raise it (ulimit -n 128) or use "
                                   "fewer --jobs"), done.stderr
    # a low soft limit under a higher hard one is raised, and the batch renders
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 128:
        pytest.skip(f"this machine's hard open-file limit is {hard}")
    done = subprocess.run([*run, str(tmp_path / "raised")], capture_output=True, text=True, timeout=300,
                          preexec_fn=_nofile(64, hard))
    assert done.returncode == 0, done.stderr[-2000:]


# --- the same on Dask workers, each with its fork server -------------------------------------------

def _report_with_a_first_cell(nb_dir: Path, code: str) -> Path:
    """The report notebook with `code` run first (after the parameters: it may read params_file)."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "project_report.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(code))
    nb_dir.mkdir()
    nbformat.write(nb, nb_dir / "project_report.ipynb")
    return nb_dir


def _dask_cluster(distributed):
    from selfeval.batch.distributed import ForkServerPlugin
    from selfeval.execution import forkserver

    if not forkserver.available():
        pytest.skip("forked kernels need Linux")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    client.register_plugin(ForkServerPlugin())  # as run_batch does: the servers start now, before any project
    servers = {w: _children(pid) for w, pid in client.run(os.getpid).items()}
    assert all(len(pids) == 1 for pids in servers.values()), servers  # each worker's one child: its fork server
    return cluster, client, {w: pids[0] for w, pids in servers.items()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_on_dask_a_killed_kernel_fails_only_its_project_and_the_fork_servers_serve_on(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    params = params_dir(tmp_path, good=4)
    monkeypatch.setenv("SELFEVAL_NOTEBOOKS", str(_report_with_a_first_cell(tmp_path / "nb", (
        "import os, signal, pathlib\n"
        "if pathlib.Path(params_file).stem == 'p01':\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would\n"))))
    cluster, client, servers = _dask_cluster(distributed)
    try:
        summary = run_batch(params, tmp_path / "out", dask_address=cluster.scheduler_address, portfolio=False)
        states = {o.name: o.status for o in summary.outcomes}
        assert states == {"p00": "rendered", "p01": "failed", "p02": "rendered", "p03": "rendered"}
        reason = next(o.reason for o in summary.outcomes if o.name == "p01")
        assert "p01" in reason and "died" in reason, reason
        assert not (tmp_path / "out" / "p01.html").exists()
        # the same fork servers, alive, with no kernel left over
        assert {w: _children(pid) for w, pid in client.run(os.getpid).items()} == \
            {w: [pid] for w, pid in servers.items()}
        assert all(_children(pid) == [] for pid in servers.values())
    finally:
        client.close()
        cluster.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_on_dask_a_killed_worker_takes_its_fork_server_and_kernel_along_and_the_batch_ends(tmp_path, monkeypatch):
    import threading

    distributed = pytest.importorskip("distributed")
    params = params_dir(tmp_path, good=4)
    marker = tmp_path / "p01.kernel"
    monkeypatch.setenv("SELFEVAL_NOTEBOOKS", str(_report_with_a_first_cell(tmp_path / "nb", (
        "import os, time, pathlib\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if pathlib.Path(params_file).stem == 'p01' and not marker.exists():\n"
        "    marker.with_suffix('.tmp').write_text(str(os.getpid()))\n"
        "    marker.with_suffix('.tmp').rename(marker)  # whole, or not there\n"
        "    time.sleep(120)  # the first try hangs until its worker is killed\n"))))
    cluster, client, servers = _dask_cluster(distributed)
    result: dict = {}
    try:
        workers = client.run(os.getpid)
        runner = threading.Thread(target=lambda: result.update(summary=run_batch(
            params, tmp_path / "out", dask_address=cluster.scheduler_address, portfolio=False)))
        runner.start()
        deadline = time.time() + 120
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.1)
        if not marker.exists():
            pytest.fail("p01's kernel never started")
        kernel = int(marker.read_text())
        server = int((Path("/proc") / str(kernel) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        worker = next(w for w, s in servers.items() if s == server)
        os.kill(workers[worker], signal.SIGKILL)
        runner.join(timeout=240)
        assert not runner.is_alive(), "the batch did not end after its worker was killed"
        deadline = time.time() + 20
        while time.time() < deadline and _alive([kernel, server]):
            time.sleep(0.2)
        assert _alive([kernel, server]) == []  # nothing outlived the worker
        outcomes = {o.name: o for o in result["summary"].outcomes}
        assert all(outcomes[n].status == "rendered" for n in ("p00", "p02", "p03"))
        # Dask gives the project to another worker (it renders) or gives up on it (named)
        assert outcomes["p01"].status == "rendered" or "the Dask task failed" in outcomes["p01"].reason
        assert (tmp_path / "out" / "index.html").exists()
    finally:
        client.close()
        cluster.close()
