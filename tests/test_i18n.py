"""Chinese and English: the label registry, the glossary, ``--lang``, the Chinese font of
the plots and of the report, the answer in parts, compare's marks and names, and the
capacity search's progress.

The browser test renders the run report in ``zh`` and ``en`` in headless Chromium (the
harness of :mod:`tests.test_report`): no console error, every image decoded, the
embedded Chinese font loaded and holding a glyph for every Chinese character of the
page; the plots are checked for glyphs with fontTools (the font matplotlib falls back to
has every Chinese character of the labels; drawing them raises no missing-glyph warning).
"""

from __future__ import annotations

import ast
import base64
import io
import json
import re
import string
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from portsim import labels, plots, report
from portsim.cli import main
from portsim.compare import HEADLINE, marked, output_name
from portsim.config import load_scenario
from portsim.errors import InputError
from portsim.experiments.capacity import search_state
from portsim.simulate import replicate
from portsim.verdict import PARTS, answer_parts, berths_to_band, judge
from tests.test_report import _files, browser, two_scenarios  # noqa: F401 (browser: fixture)

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def reps(tmp_path_factory):
    sc = load_scenario(_files(tmp_path_factory.mktemp("scenario")))
    return replicate(sc.with_run(replications=2))


# ----------------------------------------------------------------- the registry


def test_a_cargo_list_reads_in_chinese_only_when_every_cargo_is_known():
    # a multi-purpose terminal's cargo cell ("container/general") is two glossary words;
    # a unit like "TEU/yr" or an unknown part stays as written
    assert labels.translate("container/general", "zh") == "集装箱/件杂货"
    assert labels.translate("container/unknown-cargo", "zh") == "container/unknown-cargo"


def test_the_glossary_refuses_a_key_given_twice():
    # One English text, one translation: "day" was once both 天 (plots) and 星期 (the
    # services table), and YAML kept the second silently.
    text = "phrases:\n  day: 天\n  hour: 时\n  day: 星期\n"
    with pytest.raises(ValueError, match=r"'day' is given twice \(line 4\)"):
        yaml.load(text, Loader=labels._UniqueKeys)
    assert labels.word("day", "zh") == "天"


def test_every_column_the_report_and_compare_show_has_one_entry(reps):
    shown = (set(report.FLOW_KEYS) | set(report.TERMINAL_KEYS) | set(report.PORT_KPI_KEYS)
             | set(HEADLINE) | set(reps.runs[0].port.index)
             | {f"cause_{c}" for c in plots.CAUSES})
    units = labels.units()
    missing = sorted(k for k in shown if labels.term(k) is None)
    assert not missing, f"no registry entry: {missing}"
    for key in shown:
        t = labels.term(key)
        assert t.en and t.basis, key
        assert CJK.search(t.zh), f"{key}: Chinese label {t.zh!r} has no Chinese"
        assert t.unit in units, f"{key}: unit {t.unit!r} not in units"
        if t.format:
            format(0.5, t.format)  # a valid format spec
    # shares are shown as % (the report's one unit convention), hours with one decimal
    assert labels.fmt("berth_utilisation").endswith("%") and labels.term("occupancy").share
    assert format(0.6234, labels.fmt("berth_utilisation")) == "62.3%"
    assert format(3.14159, labels.fmt("mean_wait_h")) == "3.1"
    assert labels.header("mean_wait_h", "en") == "mean wait for a berth (h)"
    assert labels.header("mean_wait_h", "zh") == "平均待泊时间 (小时)"


def test_design_code_terms_follow_the_chinese_usage():
    assert labels.label("berth_utilisation", "zh") == "泊位利用率"
    assert labels.label("waiting_factor", "zh") == "船舶等待时间与服务时间之比"
    assert labels.label("capacity", "zh") == "通过能力"
    assert "待泊时间" in labels.label("mean_wait_h", "zh")
    for key in ("berth_utilisation", "waiting_factor", "capacity", "mean_wait_h"):
        assert "JTS 165" in labels.term(key).basis


def _phrases_in_code() -> dict[str, str]:
    """Every constant first argument of ``tr(…)``/``t(…)``/``labels.t(…)`` in the
    presentation modules, with the file it is in."""
    found: dict[str, str] = {}
    for rel in ("portsim/plots.py", "portsim/report.py", "portsim/verdict.py",
                "portsim/commands/compare.py", "portsim/commands/run.py", "portsim/cli.py",
                "portsim/commands/preview.py", "portsim/commands/services.py",
                "portsim/limits.py", "portsim/preview.py", "portsim/model/components.py",
                "portsim/landside_sizing.py", "portsim/compare.py", "portsim/robustness.py",
                "portsim/experiments/capacity.py"):
        for node in ast.walk(ast.parse((ROOT / rel).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
            arg = node.args[0]
            if name in ("tr", "t") and isinstance(arg, ast.Constant) and isinstance(
                    arg.value, str):
                found.setdefault(arg.value, rel)
    return found


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_text_of_the_report_and_plots_has_a_chinese_version():
    found = _phrases_in_code()
    assert len(found) > 100  # the parser sees the code's texts
    zh = labels.phrases()
    missing = sorted(f"{where}: {text!r}" for text, where in found.items() if text not in zh)
    assert not missing, "no Chinese text for:\n" + "\n".join(missing)
    for text in found:  # the same {fields} in both, so formatting cannot fail in one
        assert _fields(text) == _fields(zh[text]), text
        assert CJK.search(zh[text]) or not CJK.search(text), text
    for heading in report.PART_HEADINGS.values():
        assert CJK.search(labels.t(heading, "zh")), heading


def test_language_is_the_option_then_the_environment_then_english(monkeypatch):
    monkeypatch.delenv(labels.ENV, raising=False)
    assert labels.language(None) == "en"
    monkeypatch.setenv(labels.ENV, "zh")
    assert labels.language(None) == "zh" and labels.language("en") == "en"
    monkeypatch.setenv(labels.ENV, "fr")
    with pytest.raises(InputError, match="PORTSIM_LANG"):
        labels.language(None)
    with pytest.raises(InputError, match="--lang"):
        labels.language("de")
    with labels.using("zh"):
        assert labels.current() == "zh" and labels.label("terminal") == "码头"
    assert labels.current() == "en"  # an unknown language in the environment: English
    monkeypatch.setenv(labels.ENV, "zh")
    assert labels.current() == "zh" and labels.label("terminal") == "码头"
    with labels.using("en"):
        assert labels.current() == "en"


def test_operation_areas_are_named_in_the_language_of_the_report():
    assert labels.split_name("Dalanping South (大榄坪南作业区)") == ("Dalanping South",
                                                                "大榄坪南作业区")
    assert labels.split_name("Longmen & inner bay (龙门港区, 沙井, 茅尾海)")[1] == \
        "龙门港区, 沙井, 茅尾海"
    assert labels.split_name("Area A") == ("Area A", None)
    port = load_scenario(ROOT / "scenarios" / "plan-2025.yaml").port
    zh, en = labels.area_names(port, "zh"), labels.area_names(port, "en")
    assert zh["DLS"] == "大榄坪南作业区" and zh["SD"] == "三墩作业区" and zh["LG"] == "勒沟作业区"
    assert zh["JGJ"] == "金鼓江作业区" and en["JGJ"] == "Jingujiang"


# ----------------------------------------------------------------- fonts


def _cmap(path) -> set[int]:
    from fontTools.ttLib import TTFont

    return set(TTFont(str(path), fontNumber=0).getBestCmap())


def test_plots_have_a_font_with_a_glyph_for_every_chinese_character():
    from matplotlib import font_manager, rcParams

    path = plots.cjk_font_path()
    assert path is not None and plots.CJK_FONT, "the Chinese font is installed with portsim"
    chars = {c for t in labels.terms().values() for c in t.zh if CJK.match(c)}
    chars |= {c for z in labels.phrases().values() for c in z if CJK.match(c)}
    chars |= {"钦", "州", "港", "大", "榄", "坪", "金", "鼓", "江", "三", "墩", "勒", "沟"}
    # matplotlib falls back glyph by glyph along font.family: Latin first, then the CJK font
    assert rcParams["font.family"][:2] == [plots.LATIN_FONT, plots.CJK_FONT]
    latin = font_manager.findfont(font_manager.FontProperties(family=plots.LATIN_FONT),
                                  fallback_to_default=False)
    cjk = font_manager.findfont(font_manager.FontProperties(family=plots.CJK_FONT),
                                fallback_to_default=False)
    assert Path(cjk) == Path(path)
    assert not {ord(c) for c in chars} & _cmap(latin)  # the Latin font alone: tofu
    lacking = sorted(c for c in chars if ord(c) not in _cmap(cjk))
    assert not lacking, f"no glyph in {cjk}: {''.join(lacking)}"


def test_a_chinese_plot_draws_without_a_missing_glyph(reps):
    with labels.using("zh"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        verdict = judge(reps)
        for fig in (plots.waits_by_cause(reps.calls, "钦州港 大榄坪南作业区: 等待"),
                    plots.occupancy_by_terminal(verdict.terminals, "泊位利用率",
                                                "berth_utilisation")):
            assert CJK.search(fig.axes[0].get_xlabel())
            fig.canvas.draw()
            plots.plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing
    # the check can fail: without the Chinese font in the family the glyphs are missing
    import matplotlib

    with matplotlib.rc_context({"font.family": [plots.LATIN_FONT]}), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plots.plt.figure()
        fig.suptitle("泊位利用率")
        fig.canvas.draw()
        plots.plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def _embedded_font_cmap(page: str) -> set[int]:
    from fontTools.ttLib import TTFont

    m = re.search(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert m, "the page embeds its Chinese font"
    return set(TTFont(io.BytesIO(base64.b64decode(m[1]))).getBestCmap())


def test_the_report_embeds_a_font_for_its_chinese_characters(reps):
    page = report.run_report(reps, lang="zh")
    assert '<html lang="zh-CN">' in page
    chars = set(re.findall(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]", page))
    assert len(chars) > 100
    cmap = _embedded_font_cmap(page)
    assert {ord(c) for c in chars} <= cmap
    assert len(page.split("base64,")[1]) < 400_000  # a subset, not the 8 MB font
    # Chinese first in the font stack, and common Chinese system fonts as fallbacks
    assert 'font: 15px/1.45 "portsim CJK"' in page and '"Microsoft YaHei"' in page
    assert "@media print" in page and "@page" in page


# ----------------------------------------------------------------- the report, in parts


def test_berths_to_band_is_the_berth_time_ratio():
    # ρ = berth-hours taken / (berths · hours): at the same demand ρ·c is constant
    assert berths_to_band(4, 0.80, 0.70) == 1  # ceil(4.57) = 5
    assert berths_to_band(3, 0.70 * 4 / 3, 0.70) == 1  # exactly 4 berths' worth
    assert berths_to_band(10, 0.70, 0.70) == 0 and berths_to_band(5, 0.4, 0.7) == 0
    assert berths_to_band(2, 1.40, 0.70) == 2
    assert berths_to_band(2, float("nan"), 0.70) == 0


def test_the_answer_comes_in_its_parts_in_both_languages(reps):
    v = judge(reps)
    en, zh = answer_parts(v, "tiny", "en"), answer_parts(v, "tiny", "zh")
    assert list(en) == list(zh) and set(en) <= set(PARTS)
    assert {"headline", "throughput", "breaks_first"} <= set(en)
    assert en["headline"].startswith("tiny: ")
    assert all(len(s) < 400 for s in en.values())  # parts, not one 700-character line
    assert all(CJK.search(s) for s in zh.values())
    got = v.flows.loc[v.flows["unit"] == "TEU", "delivered_per_year"].sum() / 1e6
    assert f"{got:.2f}" in en["throughput"] and f"{got:.2f}" in zh["throughput"]
    page = report.run_report(reps, v, lang="en")
    for key in en:
        assert f"<dt>{report.PART_HEADINGS[key]}</dt>" in page
    # the terminals' judgements (portsim.limits) read in Chinese in a Chinese report
    page = report.run_report(reps, v, lang="zh")
    for reason in v.terminals["judgement"]:
        said = "；".join(labels.t(p.strip(), "zh") for p in reason.split(";"))
        assert CJK.search(said) and f">{said}<" in page


def test_the_report_shows_no_mean_of_ids_or_times_and_maxima_per_replication(reps):
    for run in reps.runs:
        k = run.replication
        run.tables["trains_test"] = pd.DataFrame({
            "rail_terminal": ["R", "R", "R"], "train": [1, 2, 3],
            "start_h": [10.0 + k, 20.0, 30.0], "scheduled_h": [9.0, 19.0, 29.0],
            "track_wait_h": [1.0, 2.0, 3.0 + k]})
        run.tables["yard_test"] = pd.DataFrame({"yard": ["Y"], "mean_teu": [100.0 + k],
                                                "max_teu": [150.0 + 10 * k]})
    try:
        summary, _ = report.component_table(reps, "trains_test")
        assert set(summary["column"]) == {labels.header("track_wait_h", "en")}
        keyed, note = report.component_table(reps, "yard_test")
        assert keyed.loc[0, "mean_teu"] == 100.5  # mean of replications 0 and 1
        assert keyed.loc[0, "highest stock (TEU) (highest replication)"] == 160.0
        assert "max_teu" not in keyed and "highest replication" in note
    finally:
        for run in reps.runs:
            del run.tables["trains_test"], run.tables["yard_test"]
    kpis = report.port_kpi_table(reps)
    row = kpis[kpis["KPI"].str.startswith("ships at anchorage, most")].iloc[0]
    per = sorted(int(r.port["queue_max"]) for r in reps.runs)
    assert row["± 95 % CI"] == "–"
    assert row["value"] == (f"{per[0]}–{per[1]} per replication, largest {per[1]}"
                            if per[0] != per[1] else f"{per[1]}")


def test_the_preview_beside_the_simulation_is_a_table(reps):
    page = report.run_report(reps)
    sec = page[page.index('id="preview"'):]
    sec = sec[:sec.index("</section>")]
    assert "<table>" in sec and "berth utilisation · preview" in sec
    assert "berth utilisation · simulated" in sec


def test_the_rail_plot_draws_the_limit_the_verdict_uses():
    sc = load_scenario(ROOT / "scenarios" / "plan-2025.yaml").with_run(
        horizon_days=20, warmup_days=5, replications=1)
    from portsim.simulate import simulate

    run = simulate(sc, 0)
    fig = plots.rail_tracks(run, "rail")
    limit = sc.landside.sea_rail.track_occupancy_limit
    tracks = run.tables["rail"]["tracks"].astype(float)
    levels = {round(float(line.get_ydata()[0]), 6) for line in fig.axes[0].lines
              if line.get_linestyle() == ":"}
    assert levels == {round(t * limit, 6) for t in tracks}
    plots.plt.close(fig)


# ----------------------------------------------------------------- compare and capacity


def test_a_difference_is_marked_only_when_non_zero_as_shown_and_significant():
    assert marked(0.5, True, ".2f") and not marked(0.5, False, ".2f")
    assert not marked(0.004, True, ".2f")  # prints as 0.00: no mark
    assert marked(-0.006, True, ".2f")
    assert not marked(0.0, True, ".2f") and not marked(float("nan"), True, ".2f")
    assert not marked(0.0004, True, ".1%") and marked(0.002, True, ".1%")


def test_compare_folders_are_named_after_the_scenarios():
    a = output_name(["plan-2025", "berth-windows-off"])
    b = output_name(["plan-2025", "cranes-fixed"])
    assert a == "compare-plan-2025-vs-berth-windows-off" and a != b
    long = [f"scenario-with-a-long-name-{k}" for k in range(6)]
    c, d = output_name(long), output_name([*long[:-1], "other"])
    assert len(c) <= 80 and c != d and c.startswith("compare-scenario-with-a-long-name-0")
    assert output_name(["a/b c"]) == "compare-a-b-c"


def test_portsim_compare_in_chinese_names_its_folder_and_marks(tmp_path, monkeypatch,
                                                               capsys):
    scenario, more = two_scenarios(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(scenario), str(more), "-n", "2", "-w", "1", "-q",
                 "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert (tmp_path / "out" / "compare-tiny-report-vs-tiny-4-berths" / "compare.png").exists()
    assert "集装箱吞吐量" in printed and "差值" in printed
    assert "(* 差值非零且95%置信区间不含零)" in printed


def test_capacity_progress_shows_replications_and_the_current_ci():
    assert search_state("container", np.array([1.0]), 0.02) == \
        "container: 1 replication(s) done"
    roots = np.array([1.0, 1.1, 0.9])
    half = stats.t.ppf(0.975, 2) * 0.1 / np.sqrt(3)  # sd 0.1 around mean 1.0
    assert search_state("container", roots, 0.02) == (
        f"container: 3 replications done, CI ±{half:.1%} (stops at ±2.0%)")
    from portsim.experiments.runner import progress_bar

    with progress_bar(None, "capacity", False) as bar:  # no total: it cannot shrink
        assert bar.total is None


# ----------------------------------------------------------------- in the browser


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_in_chromium_in_both_languages(browser, tmp_path, lang):  # noqa: F811
    out = tmp_path / "out"
    assert main(["run", str(_files(tmp_path)), "-o", str(out), "-q", "-w", "1", "-n", "2",
                 "--report", "--lang", lang]) == 0
    page = out / "report.html"
    shot = tmp_path / f"report-{lang}.png"
    check = browser.check(page, screenshot=shot, height=2400)
    check.assert_ok()
    assert len(check.images) >= 6 and all(i["width"] > 300 for i in check.images)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    fonts = browser.evaluate("document.fonts.ready.then(() => [...document.fonts]"
                             ".map(f => f.family.replace(/\"/g, '') + ':' + f.status))")
    text = browser.evaluate("document.body.innerText")
    headings = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.innerText)")
    if lang == "zh":
        assert fonts == [f"{report.CJK_FAMILY}:loaded"]
        assert browser.evaluate("document.documentElement.lang") == "zh-CN"
        assert all(CJK.search(h) for h in headings), headings
        cmap = _embedded_font_cmap(page.read_text(encoding="utf-8"))
        lacking = {c for c in text if CJK.match(c) and ord(c) not in cmap}
        assert not lacking, f"tofu in the page: {''.join(sorted(lacking))}"
        assert browser.evaluate(f"document.fonts.check('16px \"{report.CJK_FAMILY}\"', "
                                "'泊位利用率')")
    else:
        assert "Demand vs delivered" in headings and not CJK.search("".join(headings))


# ----------------------------------------------------------------- no English left in Chinese

#: Two English words in a row (what a sentence or a header left untranslated looks like).
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?:[ ,;:]+[A-Za-z]{3,})+")
#: The small whitelist: units and design-code names written in Latin in Chinese practice,
#: the commands a planner types, and code names (a scenario key with ``_`` or ``.``, a
#: file name) — besides the ids the scenario itself declares (see :func:`_ids`).
LATIN_KEPT = re.compile(r"\bportsim (?:run|compare|capacity|preview|robustness)\b"
                        r"|\b(?:TEU|JTS|Mt|PIANC|UNCTAD)\b|[\w/]*[_.][\w./§]*")


def _visible(page: str) -> str:
    """The text a reader sees: no style, no code, no tags, entities decoded."""
    import html as html_lib

    page = re.sub(r"<(style|script|code)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "\n", page))


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _ids(scenario) -> set[str]:
    """Every id the scenario declares (terminal, berth, area, yard, lock hub, ship class …:
    a capitalised code such as DLS-ULCV, EC-P1, MADAO, RS-C5k), and its parts."""
    out = set()
    for s in _strings(scenario.model_dump()):
        if re.fullmatch(r"[A-Z][A-Za-z0-9]*(?:[-#/][A-Za-z0-9#]+)*", s):
            out |= {s, *re.split(r"[-/]", s)}
    return {s for s in out if len(s) >= 2}


def english_left(text: str, scenario) -> list[str]:
    """The runs of English words in ``text`` once the whitelist and the scenario's ids
    are taken out."""
    text = LATIN_KEPT.sub(" ", text)
    for i in sorted(_ids(scenario), key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(i)}(?![A-Za-z0-9])", " ", text)
    return sorted({m.group(0) for m in ENGLISH_RUN.finditer(text)})


def chinese_left(text: str, scenario) -> list[str]:
    """Runs of Chinese characters in ``text`` that no string of the scenario's data (a
    port name, a source) contains."""
    data = "\n".join(_strings(scenario.model_dump()))
    return sorted({m.group(0) for m in re.finditer(r"[\u3400-\u9fff]+", text)
                   if m.group(0) not in data})


@pytest.fixture(scope="module")
def rendered():
    """plan-2025 (channel, yards, rail, gates) and pinglu-2027 (the canal's lock hubs),
    one short replication each: the run report, ``portsim run``'s text and ``portsim
    preview``'s text, in both languages."""
    from portsim.commands.run import render_run
    from portsim.preview import preview, render_preview

    out = {}
    for name in ("plan-2025", "pinglu-2027"):
        sc = load_scenario(ROOT / "scenarios" / f"{name}.yaml",
                           {"run.horizon_days": 12, "run.warmup_days": 2,
                            "run.replications": 1})
        reps = replicate(sc)
        for lang in ("en", "zh"):
            with labels.using(lang):
                verdict = judge(reps)
                text = render_run(reps, verdict)
                page = report.run_report(reps, verdict, text_output=text)
                out[name, lang] = (sc, _visible(page), text, render_preview(preview(sc)),
                                   page)
    return out


@pytest.mark.parametrize("name", ["plan-2025", "pinglu-2027"])
def test_the_chinese_report_and_terminal_have_no_english_sentence(rendered, name):
    sc, page, text, preview_text, _ = rendered[name, "zh"]
    assert CJK.search(page) and "DLS-ULCV" in page  # ids stay as they are
    for what, shown in (("report", page), ("portsim run", text),
                        ("portsim preview", preview_text)):
        left = english_left(shown, sc)
        assert not left, f"{name}, {what} in Chinese: English left: {left[:20]}"


@pytest.mark.parametrize("name", ["plan-2025", "pinglu-2027"])
def test_the_english_report_and_terminal_have_no_chinese_but_the_data_names(rendered, name):
    sc, page, text, preview_text, _ = rendered[name, "en"]
    assert "berth utilisation" in page
    for what, shown in (("report", page), ("portsim run", text),
                        ("portsim preview", preview_text)):
        left = chinese_left(shown, sc)
        assert not left, f"{name}, {what} in English: Chinese left: {left[:20]}"


def test_the_english_check_catches_english_and_passes_ids():
    sc = load_scenario(ROOT / "scenarios" / "plan-2025.yaml")
    assert english_left("DLS-ULCV 泊位利用率 82% (JTS 165), track_length_m", sc) == []
    assert english_left("DLS-ULCV: above limit", sc) == ["above limit"]
    assert english_left("泊位 PREVIEW CONGESTED", sc) == ["PREVIEW CONGESTED"]
    assert chinese_left("Dalanping South 大榄坪南作业区", sc) == []
    assert chinese_left("berth 泊位利用率", sc) == ["泊位利用率"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_prints_on_a4_without_clipping(browser, rendered, tmp_path,  # noqa: F811
                                                  lang):
    """plan-2025's report (its widest tables: the yard's, the rail terminals') printed by
    Chromium: no table, figure or image reaches beyond the printable width of the A4
    landscape page; the PDF has pages of that size and, in Chinese, embeds the report's
    Chinese font (its PostScript name among the PDF's fonts; Chromium embeds the
    page's subset as a Type 3 font with that FontName)."""
    page = tmp_path / f"report-{lang}.html"
    page.write_text(rendered["plan-2025", lang][4], encoding="utf-8")
    pdf = tmp_path / f"report-{lang}.pdf"
    wide = browser.print_layout(page, pdf)
    assert not wide, f"clipped on paper: {wide[:5]}"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    boxes = {tuple(round(float(v)) for v in m.groups())
             for m in re.finditer(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)}
    assert boxes == {(842, 595)}, boxes  # A4 landscape in points: 297 x 210 mm
    fonts = {m.group(1).decode() for m in re.finditer(
        rb"/(?:BaseFont|FontName)\s*/(?:[A-Z]{6}\+)?([^\s/<>\[\]]+)", data)}
    from fontTools.ttLib import TTFont

    cjk = TTFont(str(plots.cjk_font_path()), fontNumber=0)["name"].getDebugName(6)
    if lang == "zh":
        assert cjk in fonts, fonts


def test_the_print_check_catches_a_table_wider_than_the_paper(browser, tmp_path):  # noqa: F811
    cells = "".join(f"<td>{'x' * 30}</td>" for _ in range(12))
    page = tmp_path / "wide.html"
    page.write_text("<!DOCTYPE html><html><body><table style='white-space: nowrap'><tr>"
                    f"{cells}</tr></table><p>narrow</p></body></html>", encoding="utf-8")
    wide = browser.print_layout(page, tmp_path / "wide.pdf")
    assert [w["tag"] for w in wide] == ["TABLE"] and wide[0]["right"] > 1032


def test_a_sentence_made_in_english_reads_in_chinese_as_if_made_in_chinese():
    """Every glossary sentence with ``{fields}``: made in English and put in Chinese by
    :func:`labels.translate` it is the sentence made in Chinese directly (same fields,
    same formats) — the reverse match finds the fields, and the Chinese keeps the formats
    of the English key. Ids and numbers as fields (an id: ``ID-NAME``, a number: 0.4321)."""
    field = re.compile(r"\{(?P<name>[A-Za-z_]\w*)(?::(?P<spec>[^{}]*))?\}")
    checked = 0
    for en in labels.phrases():
        values = {}
        for m in field.finditer(en):
            spec = m["spec"] or ""
            values[m["name"]] = (0.4321 if "," in spec or spec[-1:] in ("%", "f", "g", "e")
                                 else 3 if spec.endswith("d") else f"ID-{m['name'].upper()}")
        if not values:
            continue
        made = labels.t(en, "en", **values)
        assert labels.translate(made, "zh") == labels.t(en, "zh", **values), en
        checked += 1
    assert checked > 100
    assert labels.translate("above limit; peak 368 trucks/h on 13 lanes", "zh") == \
        "超出限值；高峰 368 辆/小时, 13 条车道"
    assert labels.translate("DLS-ULCV", "zh") == "DLS-ULCV"  # an id stays
    assert labels.translate("above limit; peak 368 trucks/h", "en") == \
        "above limit; peak 368 trucks/h"


# ------------------------------------------------------------------ portsim canal in Chinese


@pytest.fixture(scope="module")
def pinglu_2027():
    return load_scenario(ROOT / "scenarios" / "pinglu-2027.yaml")


CANAL_QUESTIONS = {
    "berths": ["canal", "berths", str(ROOT / "scenarios" / "pinglu-2027.yaml"), "-n", "2",
               "--max-replications", "2"],
    "effect": ["canal", "effect", str(ROOT / "scenarios" / "plan-2025.yaml"),
               str(ROOT / "scenarios" / "pinglu-2027.yaml"), "-n", "2"],
    "binds": ["canal", "binds", str(ROOT / "scenarios" / "pinglu-2027.yaml"), "-n", "1"],
}


@pytest.mark.parametrize("question", list(CANAL_QUESTIONS))
def test_portsim_canal_speaks_chinese_and_writes_the_same_numbers(question, tmp_path, capsys,
                                                                   pinglu_2027):
    """Each question on pinglu-2027 (20 days): in Chinese the terminal text (title, table,
    answer, the files-written line), answer.txt and the JSON answer have no English left
    (ids and file names aside); in English no Chinese, and the ``ANSWER:`` line scripts
    grep for. The CSV is the same in both languages (identifiers as column names, the
    same numbers: the language changes words only)."""
    args = [*CANAL_QUESTIONS[question], "--horizon-days", "20", "-w", "1"]
    shown = {}
    for lang in ("en", "zh"):
        out = tmp_path / lang
        assert main([*args, "--lang", lang, "-o", str(out)]) == 0
        got = capsys.readouterr()
        err = got.err.replace(str(out), " ")
        shown[lang] = (got.out, err, (out / "answer.txt").read_text(encoding="utf-8"))
        assert main([*args, "--lang", lang, "--json", "-q", "-o", str(tmp_path / "j")]) == 0
        answer = json.loads(capsys.readouterr().out)["answer"]
        assert answer in shown[lang][2]  # answer.txt: the title, then the answer
        shown[lang] += (answer,)
    for text in shown["zh"]:
        assert CJK.search(text), text
        assert not english_left(text, pinglu_2027), (text, english_left(text, pinglu_2027))
    for text in shown["en"]:
        assert not chinese_left(text, pinglu_2027), text
    assert "\nANSWER: " in shown["en"][0] and "\n结论：" in shown["zh"][0]
    assert not re.search(r"(?<![\w-])([A-Za-z][\w-]*) \1(?![\w-])", shown["en"][3]), \
        shown["en"][3]  # no word said twice ("binds first: pilots pilots")
    en = pd.read_csv(tmp_path / "en" / f"{question}.csv")
    zh = pd.read_csv(tmp_path / "zh" / f"{question}.csv")
    pd.testing.assert_frame_equal(en, zh)
    assert all(re.fullmatch(r"[a-z0-9_]+", c) for c in en.columns), list(en.columns)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_transfer_terminals_are_named_the_canals_transfer_berths(rendered, lang):
    """pinglu-2027's terminal rows: exactly the terminals of ``canal.transfer_berths`` say
    they are the canal's transfer berths (江海联运换装泊位), in ``portsim run``'s
    terminal table and in the report's."""
    sc, _, text, _, page = rendered["pinglu-2027", lang]
    transfer = {g.terminal for g in sc.canal.transfer_berths}
    assert len(transfer) == 3 and transfer < {t.id for t in sc.port.terminals}
    note = "canal transfer berths" if lang == "en" else "江海联运换装泊位"
    named = {line.split()[0] for line in text.splitlines() if note in line}
    assert named == transfer
    rows = re.findall(r"<tr\b.*?</tr>", page, flags=re.S)
    noted = [r for r in rows if note in r]
    ids = {t.id for t in sc.port.terminals}
    in_rows = [{i for i in ids if re.search(rf">{re.escape(i)}<", r)} for r in noted]
    assert all(len(found) == 1 for found in in_rows), noted
    assert set().union(*in_rows) == transfer
    # plan-2025 has no canal: no terminal row says it
    _, plan_page, plan_text, _, _ = rendered["plan-2025", lang]
    assert note not in plan_text and note not in plan_page
