"""The HTML report: one self-contained page (verdict first, then tables, then plots),
written by ``portsim run --report``; checked in headless Chromium over the DevTools
protocol — the page loads with no console error, no failed request and no request
leaving the page, and every image decodes (naturalWidth > 0); a screenshot is made.

The browser check is proven able to fail: pages with a broken image, a missing image
file, a console error, a script exception and an external image each fail it.

Chromium: Debian's ``chromium`` package (``.ci/run`` installs it); without it the
browser tests skip, saying so. ``PORTSIM_CHROMIUM`` may name another binary.
"""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portsim import plots, report
from portsim.cli import main
from portsim.config import load_scenario
from portsim.simulate import replicate
from portsim.verdict import judge
from tests.conftest import berth, port_dict, write_yaml

# ----------------------------------------------------------------- a tiny scenario

SCENARIO = {
    "name": "tiny-report",
    "description": "two terminals, three berths",
    "port": "port.yaml",
    "demand": [{"id": "box", "cargo": "container", "annual_volume": 450_000,
                "classes": [{"ship_class": "S", "share": 1,
                             "per_call": {"dist": "gamma", "mean": 1200, "cv": 0.5}}],
                "arrivals": {"liner_share": 0.5}}],
    "run": {"horizon_days": 60, "warmup_days": 5, "replications": 3, "seed": 7},
}


def _files(tmp_path: Path) -> Path:
    write_yaml(tmp_path / "port.yaml", port_dict(
        [berth("B1", cranes=2, terminal="T1"), berth("B2", cranes=2, terminal="T1"),
         berth("B3", cranes=2, terminal="T2")]))
    return write_yaml(tmp_path / "scenario.yaml", SCENARIO)


@pytest.fixture(scope="module")
def reps(tmp_path_factory):
    """Three replications of the tiny scenario, with a made-up component table added to
    each run (the report must show whatever component tables a run carries)."""
    sc = load_scenario(_files(tmp_path_factory.mktemp("scenario")))
    r = replicate(sc)
    for run in r.runs:
        run.tables["widget_queue"] = pd.DataFrame(
            {"widget": ["W1", "W2"], "served": [10.0 + run.replication, 20.0],
             "utilisation": [0.4, 0.6]})
    return r


# ----------------------------------------------------------------- the page, statically


def test_run_report_is_one_self_contained_page_verdict_first(reps):
    verdict = judge(reps)
    page = report.run_report(reps, verdict)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for external in ('src="http', "src='http", 'href="http', "<link", "<script", "@import"):
        assert external not in page, external
    # the only url(…) is the embedded Chinese font (a data: URL), if the page has Chinese
    assert page.count("url(") == page.count("url(data:font/otf;base64,") <= 1
    imgs = page.count("<img ")
    assert imgs >= 6 and page.count('src="data:image/png;base64,') == imgs
    # verdict first, then tables, then plots
    pos_verdict = page.index('id="verdict"')
    pos_table = page.index("<table")
    pos_img = page.index("<img ")
    assert pos_verdict < pos_table < pos_img
    assert verdict.answer.split(" — ")[0] in page
    # every terminal and flow, and the component table, are on the page
    for t in verdict.terminals["terminal"]:
        assert f">{t}<" in page
    assert "widget queue" in page and "W2" in page
    assert "mean over 3 replication(s)" in page


def test_component_tables_are_reduced_to_something_readable(reps):
    frame, note = report.component_table(reps, "widget_queue")
    assert list(frame["widget"]) == ["W1", "W2"]
    assert frame["served"].tolist() == [11.0, 20.0]  # mean over replications 0, 1, 2
    assert "mean over 3" in note
    # a per-event table (keys repeat within a replication) becomes a column summary
    for run in reps.runs:
        run.tables["events"] = pd.DataFrame({"kind": ["a", "a", "b"],
                                             "wait_h": [1.0, 3.0, 5.0]})
    try:
        summary, note = report.component_table(reps, "events")
        assert summary.loc[0, "column"] == "wait (h)" and summary.loc[0, "mean"] == "3.0"
        assert "3 per replication" in note and "a 2/replication" in note
    finally:
        for run in reps.runs:
            del run.tables["events"]
    empty = report.component_table(reps, "no_such_table")
    assert empty[0].empty and "no records" in empty[1]


def test_table_formats_shares_hours_and_confidence_intervals():
    frame = pd.DataFrame({"terminal": ["A"], "occupancy": [0.5234], "occupancy_ci95": [0.012],
                          "mean_wait_h": [3.14159], "calls": [1234.0], "calls_ci95": [0.0]})
    out = report.table(frame)
    assert "52.3% ± 1.2%" in out and "3.1" in out
    assert "1,234<" in out  # a zero half-width is left out
    assert "ci95" not in out


def test_waits_by_cause_stacks_whatever_causes_are_present(reps):
    calls = reps.calls
    fig = plots.waits_by_cause(calls, "t")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "berth (at anchorage)"
    assert fig.axes[0].get_xlabel().endswith("(h), by cause")
    calls = calls.assign(wait_tide_h=1.0, wait_dragons_h=np.where(calls["call"] % 2, 2.0, 0))
    fig = plots.waits_by_cause(calls, "t")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "berth (at anchorage)" and "tide window" in labels
    assert "dragons" in labels
    assert plots.wait_causes(calls)[0] == "berth"
    import matplotlib.pyplot as plt

    plt.close("all")


def _curve_runs() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for demand in (6e6, 7e6, 8e6, 9e6):
        for r in range(3):
            wf = 0.02 * np.exp((demand - 6e6) / 1.2e6) * rng.uniform(0.8, 1.2)
            rows.append({"point": int(demand / 1e6), "replication": r, "teu_demand": demand,
                         "teu_delivered": demand * rng.uniform(0.97, 1.0),
                         "container_waiting_factor": wf})
    return pd.DataFrame(rows)


def test_capacity_curve_marks_target_limit_and_capacity():
    fig = plots.capacity_curve(_curve_runs(), "curve", capacity=(8.3e6, 0.2e6))
    top, bottom = fig.axes
    assert "M TEU/yr" in top.get_ylabel() and "waiting factor" in bottom.get_ylabel()
    assert bottom.get_xlabel() == "container demand (M TEU/yr)"
    legend = [t.get_text() for t in bottom.get_legend().get_texts()]
    assert "target 8 M TEU/yr" in legend and "planning limit 0.1" in legend
    assert any(t.startswith("capacity 8.30 ± 0.20") for t in legend)
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def capacity_result(reps):
    from portsim.experiments import capacity

    return capacity(reps.scenario, min_replications=2, max_replications=2, rel_ci=0.5,
                    workers=1, bottleneck=True)


def test_capacity_report_shows_answer_tables_and_search(capacity_result):
    page = report.capacity_report(capacity_result, curve=_curve_runs())
    assert html.escape(capacity_result.answer().split(" — ")[0]) in page
    assert page.index('id="verdict"') < page.index("<table") < page.index("<img ")
    assert page.count("<img ") == 2 and "Terminals at the capacity" in page


def test_capacity_and_compare_answer_in_chinese_without_english(capacity_result, comparison,
                                                                  reps):
    """The answers of ``portsim capacity`` and ``portsim compare`` (and the capacity and
    compare pages) in Chinese: no run of English words but the ids (the check of
    :func:`tests.test_i18n.english_left`); in English as before."""
    from portsim import labels
    from tests.test_i18n import CJK, _visible, english_left

    with labels.using("en"):
        assert capacity_result.answer().startswith("tiny-report: container capacity ")
    with labels.using("zh"):
        for text in (capacity_result.answer(), comparison.answer(),
                     _visible(report.capacity_report(capacity_result)),
                     _visible(report.compare_report(comparison))):
            assert CJK.search(text)
            assert not english_left(text, reps.scenario), english_left(text, reps.scenario)


@pytest.fixture(scope="module")
def comparison(reps):
    """The tiny scenario against itself with a fourth berth, on common random numbers."""
    from portsim.compare import compare

    more = reps.scenario.model_copy(update={"name": "tiny-4-berths"})
    port = more.port.model_copy(update={"berths": [
        *more.port.berths, more.port.berths[-1].model_copy(update={"id": "B4"})]})
    return compare([reps.scenario, more.model_copy(update={"port": port})], replications=3)


def test_compare_report_shows_answer_differences_and_plots(comparison):
    page = report.compare_report(comparison)
    assert html.escape(comparison.answer().split(" (")[0]) in page
    assert page.index('id="verdict"') < page.index("<table") < page.index("<img ")
    assert "tiny-4-berths vs tiny-report" in page and "All KPIs" in page
    assert page.count("<img ") == 3  # the comparison, and waiting by cause per scenario


# ----------------------------------------------------------------- the command


def test_portsim_run_report_writes_report_html(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_files(tmp_path)), "-o", str(out), "-q", "-w", "1",
                 "--report"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    answer = next(line for line in printed.splitlines() if line.startswith("ANSWER: "))
    assert html.escape(answer[len("ANSWER: "):]) in page
    assert "As printed by portsim run" in page
    # without --report no page is written
    out2 = tmp_path / "out2"
    assert main(["run", str(_files(tmp_path)), "-o", str(out2), "-q", "-w", "1",
                 "-n", "1"]) == 0
    assert not (out2 / "report.html").exists()


def two_scenarios(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny scenario, and the same with a fourth berth ("tiny-4-berths")."""
    scenario = _files(tmp_path)
    write_yaml(tmp_path / "port4.yaml", port_dict(
        [berth("B1", cranes=2, terminal="T1"), berth("B2", cranes=2, terminal="T1"),
         berth("B3", cranes=2, terminal="T2"), berth("B4", cranes=2, terminal="T2")]))
    more = write_yaml(tmp_path / "more.yaml", {**SCENARIO, "name": "tiny-4-berths",
                                               "port": "port4.yaml"})
    return scenario, more


def test_portsim_compare_and_capacity_report(tmp_path, capsys):
    scenario, more = two_scenarios(tmp_path)
    out = tmp_path / "cmp"
    assert main(["compare", str(scenario), str(more), "-o", str(out), "-n", "2", "-w", "1",
                 "-q", "--report"]) == 0
    printed = capsys.readouterr().out
    answer = next(line for line in printed.splitlines() if line.startswith("ANSWER: "))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert html.escape(answer[len("ANSWER: "):]) in page and "tiny-4-berths" in page
    out = tmp_path / "cap"
    assert main(["capacity", str(scenario), "--min-replications", "2",
                 "--max-replications", "2", "--ci", "0.5", "-w", "1", "-q", "--report",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    answer = next(line for line in printed.splitlines() if line.startswith("ANSWER: "))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert html.escape(answer[len("ANSWER: "):]) in page
    assert "Terminals at the capacity" in page and page.count("<img ") == 1


# ----------------------------------------------------------------- headless Chromium


BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--remote-debugging-port=0",
                 "--remote-allow-origins=*"]


def chromium_binary() -> str | None:
    name = os.environ.get("PORTSIM_CHROMIUM")
    if name:
        return shutil.which(name) or (name if Path(name).exists() else None)
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageCheck:
    """What the browser saw: problems (console, exceptions, failed loads), every image's
    natural size, and every URL requested."""

    url: str
    errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    title: str = ""

    def problems(self) -> list[str]:
        out = list(self.errors)
        out += [f"image {i['alt']!r} ({i['src']}) did not render: naturalWidth "
                f"{i['width']}" for i in self.images if not i["width"] > 0]
        out += [f"request leaves the page: {u}" for u in self.requests
                if u != self.url and not u.startswith("data:")]
        return out

    def assert_ok(self) -> None:
        problems = self.problems()
        assert not problems, "page failed the browser check:\n  " + "\n  ".join(problems)


class Chromium:
    """Headless Chromium driven over the DevTools protocol (a websocket)."""

    def __init__(self, exe: str, timeout: float = 60.0):
        import websocket

        self._ws_mod = websocket
        self.profile = tempfile.mkdtemp(prefix="portsim-chromium-")
        self.proc = subprocess.Popen(
            [exe, *BROWSER_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file = Path(self.profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"chromium exited with status {self.proc.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError("chromium did not open its DevTools port")
                time.sleep(0.05)
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                        timeout=timeout) as resp:
                target = next(t for t in json.load(resp) if t["type"] == "page")
            self.ws = websocket.create_connection(target["webSocketDebuggerUrl"],
                                                  timeout=timeout, suppress_origin=True)
        except BaseException:
            self.close()
            raise
        self._id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params):
        self._id += 1
        ident = self._id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def _wait_for(self, event: str) -> None:
        if any(e["method"] == event for e in self.events):
            return
        while True:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == event:
                    return

    def _drain(self, seconds: float) -> None:
        self.ws.settimeout(seconds)
        try:
            while True:
                msg = json.loads(self.ws.recv())
                if "method" in msg:
                    self.events.append(msg)
        except self._ws_mod.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(60)

    def evaluate(self, expression: str):
        res = self.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                        returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"evaluate failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def check(self, page: Path, screenshot: Path | None = None, width: int = 1280,
              height: int | None = None) -> PageCheck:
        """Load ``page``; collect problems; screenshot the page (its first ``height``
        pixels, or all of it)."""
        url = page.resolve().as_uri()
        self.events.clear()
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=900,
                  deviceScaleFactor=1, mobile=False)
        nav = self.send("Page.navigate", url=url)
        out = PageCheck(url)
        if nav.get("errorText"):
            out.errors.append(f"navigation failed: {nav['errorText']}")
            return out
        self._wait_for("Page.loadEventFired")
        out.images = self.evaluate(
            "Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)"
            ".then(() => ({alt: i.alt.slice(0, 50), src: i.src.slice(0, 50),"
            " width: i.naturalWidth, height: i.naturalHeight}))))")
        out.title = self.evaluate("document.title")
        if screenshot is not None:
            full = self.evaluate("document.documentElement.scrollHeight")
            h = min(full, height) if height else full
            shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                             clip={"x": 0, "y": 0, "width": width, "height": h, "scale": 1})
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        self._drain(0.3)
        for e in self.events:
            m, p = e["method"], e["params"]
            if m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                args = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
                out.errors.append(f"console.{p['type']}: {args}")
            elif m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.errors.append("uncaught exception: "
                                  + d.get("exception", {}).get("description", d.get("text", "")))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                entry = p["entry"]
                out.errors.append(f"console error: {entry['text']} {entry.get('url', '')}")
            elif m == "Network.loadingFailed":
                out.errors.append(f"request failed: {p.get('errorText')}")
            elif m == "Network.requestWillBeSent":
                u = p["request"]["url"]
                out.requests.append(u[:60] + "…" if u.startswith("data:") else u)
        return out

    def print_layout(self, page: Path, pdf: Path) -> list[dict]:
        """Load ``page`` as printed — print media emulated, the layout as wide as the
        printable width of the report's page (A4 landscape less 12 mm margins, as its
        ``@page`` rule says: 273 mm = 1032 CSS px) — write it as a PDF (the page size its
        CSS asks for), and return every table, image, figure or pre block that reaches
        beyond the printable width (its tag, left and right edge in px, a bit of text)."""
        self.check(page)
        width = round((297 - 2 * 12) / 25.4 * 96)
        self.send("Emulation.setEmulatedMedia", media="print")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=900,
                  deviceScaleFactor=1, mobile=False)
        try:
            wide = self.evaluate(
                "[...document.querySelectorAll('table, img, figure, pre')].map(e => {"
                " const r = e.getBoundingClientRect();"
                " return {tag: e.tagName, left: r.left, right: r.right,"
                " text: (e.innerText || e.alt || '').slice(0, 60)}; })"
                f".filter(x => x.right > {width} + 1 || x.left < -1)")
            out = self.send("Page.printToPDF", preferCSSPageSize=True, printBackground=True)
            pdf.write_bytes(base64.b64decode(out["data"]))
        finally:
            self.send("Emulation.setEmulatedMedia", media="")
        return wide

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    exe = chromium_binary()
    if exe is None:
        pytest.skip("headless Chromium not found: install Debian's 'chromium' package "
                    "(apt-get install -y chromium; .ci/run does) or set PORTSIM_CHROMIUM")
    pytest.importorskip("websocket", reason="websocket-client missing: pip install -e '.[dev]'")
    b = Chromium(exe)
    try:
        yield b
    finally:
        b.close()


def test_report_renders_in_chromium_without_errors(browser, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(_files(tmp_path)), "-o", str(out), "-q", "-w", "1",
                 "--report"]) == 0
    shot = tmp_path / "report.png"
    check = browser.check(out / "report.html", screenshot=shot)
    check.assert_ok()
    assert check.title == "portsim — tiny-report"
    assert len(check.images) >= 6 and all(i["width"] > 300 for i in check.images)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_capacity_report_renders_in_chromium(browser, capacity_result, tmp_path):
    page = report.write(tmp_path / "capacity.html",
                        report.capacity_report(capacity_result, curve=_curve_runs()))
    check = browser.check(page, screenshot=tmp_path / "capacity.png")
    check.assert_ok()
    assert len(check.images) == 2


def test_compare_report_renders_in_chromium(browser, comparison, tmp_path):
    page = report.write(tmp_path / "compare.html", report.compare_report(comparison))
    check = browser.check(page)
    check.assert_ok()
    assert len(check.images) == 3


GOOD_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmM"
            "IQAAAABJRU5ErkJggg==")


@pytest.mark.parametrize("body, expect", [
    ('<img alt="broken" src="data:image/png;base64,AAAAAAAA">', "did not render"),
    ('<img alt="missing" src="no-such-file.png">', "did not render"),
    ("<script>console.error('boom')</script>", "console.error: boom"),
    ("<script>no_such_function()</script>", "uncaught exception"),
    ('<img alt="remote" src="http://127.0.0.1:9/x.png">', "request leaves the page"),
])
def test_the_browser_check_catches_a_broken_page(browser, tmp_path, body, expect):
    page = tmp_path / "bad.html"
    page.write_text(f'<!DOCTYPE html><html><head><title>bad</title></head><body>'
                    f'<img alt="good" src="data:image/png;base64,{GOOD_PNG}">{body}'
                    "</body></html>", encoding="utf-8")
    check = browser.check(page)
    assert next(i for i in check.images if i["alt"] == "good")["width"] == 1
    with pytest.raises(AssertionError, match="failed the browser check") as err:
        check.assert_ok()
    assert expect in str(err.value)


def test_the_browser_check_passes_a_good_page(browser, tmp_path):
    page = tmp_path / "good.html"
    page.write_text(f'<!DOCTYPE html><html><body><img alt="good" '
                    f'src="data:image/png;base64,{GOOD_PNG}"></body></html>', encoding="utf-8")
    browser.check(page).assert_ok()


def test_occupancy_per_berth_marks_berths_above_their_band(reps):
    berths = reps.berths.copy()
    sc = reps.scenario
    fig = plots.occupancy_by_berth(berths, sc.rules, "t")
    ax = fig.axes[0]
    n = berths["berth"].nunique()
    bars = list(ax.patches)
    assert len(bars) == n
    mean = berths.groupby("berth", observed=True)["occupancy"].mean()
    labels = [t.get_text().split(" · ")[1] for t in ax.get_yticklabels()]
    for bar, b in zip(bars, labels, strict=True):  # bar length is the mean occupancy in %
        assert bar.get_width() == pytest.approx(mean[b] * 100)
    # push one berth above the top of its planning band: its bar, and only the bars of
    # berths above their own band, are red
    target = labels[0]
    berths.loc[berths["berth"] == target, "occupancy"] = 0.99
    mean = berths.groupby("berth", observed=True)["occupancy"].mean()
    cargo = berths.groupby("berth", observed=True)["cargo"].first().str.split("/").str[0]
    above = {b for b in mean.index
             if mean[b] > sc.rules.threshold(cargo[b]).occupancy_band[1]}
    fig = plots.occupancy_by_berth(berths, sc.rules, "t")
    ax = fig.axes[0]
    labels = [t.get_text().split(" · ")[1] for t in ax.get_yticklabels()]
    red = {b for p, b in zip(ax.patches, labels, strict=True) if p.get_facecolor()[0] > 0.7}
    assert target in red and red == above
    import matplotlib.pyplot as plt

    plt.close("all")
