"""The design report in a real browser: headless Debian chromium driven by Playwright (pip ``playwright``; its own
browser download is never used).  Checks that the page loads offline with no console error, that every figure
rendered, and that the tables hold the numbers of design.json; saves a full-page screenshot (copied to
``$PREDEFSPARSE_ARTIFACTS`` when set)."""
import json
import os
import shutil

import pytest

from .design_helpers import small_design

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    d = small_design(folder)
    with open(os.path.join(d.out, "design.json"), encoding="utf-8") as f:
        return d, json.load(f), folder


def _open(report_path, profile, screenshot):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a CI set-up error, not a reason to skip
        pytest.fail("the browser test needs the Playwright driver: pip install playwright (it drives Debian's "
                    f"{CHROMIUM}; no browser download needed); deselect with -m 'not browser'")
    assert os.path.exists(CHROMIUM), f"the browser test needs Debian's chromium at {CHROMIUM} (apt-get install " \
        "chromium)"
    seen = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS, viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on("request", lambda r: seen["requests"].append(r.url))
            page.goto("file://" + os.fspath(report_path), wait_until="load")
            seen["images"] = page.evaluate(
                "Array.from(document.images).map(i => ({id: i.parentElement.id, complete: i.complete, "
                "w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width}))")
            seen["svgs"] = page.evaluate(
                "Array.from(document.querySelectorAll('svg')).map(s => { const b = s.getBBox(); "
                "return b.width * b.height; })")
            seen["scripts"] = page.evaluate("document.scripts.length")
            seen["tables"] = page.evaluate(
                "Object.fromEntries(Array.from(document.querySelectorAll('table[id]')).map(t => [t.id, "
                "Array.from(t.tBodies[0].rows).map(r => Array.from(r.cells).map(c => "
                "({text: c.textContent, value: c.dataset.value === undefined ? null : c.dataset.value})))]))")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
    return seen


def test_report_renders_in_chromium_with_the_numbers_of_design_json(report, tmp_path):
    d, saved, _ = report
    shot = tmp_path / "design-report.png"
    seen = _open(os.path.join(d.out, "report.html"), tmp_path / "profile", shot)
    artifacts = os.environ.get("PREDEFSPARSE_ARTIFACTS")
    if artifacts:
        os.makedirs(artifacts, exist_ok=True)
        shutil.copy(shot, os.path.join(artifacts, shot.name))
    assert shot.stat().st_size > 10_000

    errors = [m for m in seen["console"] if m.startswith("error")] + seen["errors"]
    assert not errors, errors
    assert all(u.startswith(("file:", "data:")) for u in seen["requests"]), seen["requests"]  # nothing fetched
    assert seen["scripts"] == 0                                                               # no JavaScript
    # every figure rendered: 5 design figures + one pattern picture per kind
    figures = {img["id"] for img in seen["images"]}
    want = {f"fig-{n}" for n in ("hardware", "bank-loads", "accuracy", "curves", "pareto")}
    want |= {f"fig-pattern-{k}" for k in saved["request"]["kinds"]}
    assert figures == want
    assert all(img["complete"] and img["w"] > 0 and img["h"] > 0 and img["shown"] > 0 for img in seen["images"])
    assert all(area > 0 for area in seen["svgs"])

    tables = seen["tables"]
    # the ranked table: kind, accuracy, spread, inputs/s, energy, weights of design.json, in its order
    ranked = tables["ranked"]
    assert [r[1]["text"] for r in ranked] == [k["kind"] for k in saved["kinds"]]
    for row, kind in zip(ranked, saved["kinds"]):
        assert float(row[2]["value"]) == kind["accuracy_mean"]
        assert row[2]["text"] == f"{100 * kind['accuracy_mean']:.2f} %"
        assert float(row[3]["value"]) == kind["accuracy_std"]  # two seeds: a spread
        assert float(row[4]["value"]) == kind["throughput"] and row[4]["text"] == f"{kind['throughput']:,.0f}"
        assert float(row[5]["value"]) == kind["energy_pj"]
        assert int(row[6]["value"]) == kind["W"]
        assert float(row[7]["value"]) == kind["hardware_accuracy_mean"]  # the trained weights on the chip
    hardware = {r[0]["text"]: r for r in tables["hardware"]}
    for kind in saved["kinds"]:
        row = hardware[kind["kind"]]
        assert int(row[1]["text"]) == kind["cpc"]
        assert [int(row[i]["value"]) for i in (4, 5, 6, 7, 8)] == [
            kind["stall_clocks"], kind["bank_stall_clocks"], kind["rmw_stall_clocks"], kind["rmw_hazards"],
            kind["multipliers"]]
    accuracy = {r[0]["text"]: r for r in tables["accuracy"]}
    for kind in saved["kinds"]:
        row = accuracy[kind["kind"]]
        assert int(row[1]["text"]) == kind["seeds"] == len(saved["request"]["seeds"])
        assert [float(row[i]["value"]) for i in (2, 4, 5)] == [kind["accuracy_mean"], kind["accuracy_min"],
                                                               kind["accuracy_max"]]
    plan = tables["plan"]
    assert [int(r[7]["text"]) for r in plan] == saved["plan"]["z"]
    assert [int(r[5]["value"]) for r in plan] == saved["plan"]["W"]
    options = tables["options"]
    assert [int(r[0]["text"]) for r in options] == [o["cycle"] for o in saved["plan"]["options"]]
