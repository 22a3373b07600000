"""WCAG 2.1 AA on every page, checked by axe-core in the browser.

axe-core comes from the pinned `axe-playwright-python` package (its bundled axe.min.js, injected
into the page from the local file: nothing is fetched at run time). Every page of the sidebar is
checked in learner mode and in lecturer mode (?lecturer=1), with every expander opened and every
self-check's questions shown (they are folded behind a switch) so that code panels, explanations and
self-checks are checked too, and again after the main action of
three lessons (an upload, a registration, a training). Any serious or critical violation of the
WCAG 2.0/2.1 A and AA rules fails, listed with its elements.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import VIEWPORT, discover_pages, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
FAILING_IMPACTS = ("serious", "critical")


def _axe_script() -> str:
    """axe-core's source from the installed package (never from a CDN)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def open_expanders(page) -> int:
    """Open every closed expander (code panels, explanations, tables) so that axe checks their content too."""
    opened = page.evaluate("""() => {
        const closed = [...document.querySelectorAll('[data-testid="stExpander"] details:not([open]) > summary')];
        closed.forEach(s => s.click());
        return closed.length;
    }""")
    page.wait_for_timeout(300)
    return opened


def mark_inactive_widgets(page) -> int:
    """Mark widgets that are disabled: WCAG 1.4.3 exempts inactive controls (and their labels) from contrast."""
    return page.evaluate("""() => {
        const inactive = [...document.querySelectorAll('[data-testid="stMain"] .stElementContainer, '
                                                       + '[data-testid="stSidebar"] .stElementContainer')]
            .filter(e => e.querySelector('[data-testid="stWidgetLabel"][disabled], [data-disabled="true"]'));
        inactive.forEach(e => e.setAttribute('data-a11y-inactive', ''));
        return inactive.length;
    }""")


def run_axe(page, context: str | None = None) -> dict:
    """axe-core's results on the page as it is now (WCAG 2.0/2.1 A and AA rules only); disabled widgets are
    left out of the contrast rule only (WCAG 1.4.3's exception for inactive controls)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_script())
    arguments = "document" if context is None else repr(context)
    if context is None and mark_inactive_widgets(page):
        results = page.evaluate(f"options => axe.run({arguments}, options)", AXE_OPTIONS)
        contrast = page.evaluate("options => axe.run({exclude: [['[data-a11y-inactive]']]}, options)",
                                 {**AXE_OPTIONS, "runOnly": {"type": "rule", "values": ["color-contrast"]}})
        results["violations"] = [v for v in results["violations"] if v["id"] != "color-contrast"] + \
            contrast["violations"]
        return results
    return page.evaluate(f"options => axe.run({arguments}, options)", AXE_OPTIONS)


def serious(results: dict) -> list[str]:
    """One line per serious or critical violation: rule, impact, count and the first elements with their fix."""
    lines = []
    for v in results["violations"]:
        if v["impact"] in FAILING_IMPACTS:
            nodes = v["nodes"]
            detail = "\n".join(f"      {n['html'][:160]}\n        {n.get('failureSummary', '')[:240]!r}"
                               for n in nodes[:4])
            lines.append(f"  {v['id']} ({v['impact']}, {len(nodes)} element(s)): {v['help']}\n{detail}")
    return lines


def show_self_checks(page) -> int:
    """Turn on every switch that shows a self-check's questions ("Show the N questions"), with the keyboard."""
    switches = page.locator('[data-testid="stMain"] [data-testid="stCheckbox"]').filter(
        has_text=re.compile(r"^Show the \d+ questions$"))
    shown = 0
    for i in range(switches.count()):
        box = switches.nth(i).locator("input")
        if not box.is_checked():
            box.focus()
            page.keyboard.press("Space")
            wait_idle(page)
            shown += 1
    return shown


def check(page, where: str, report: dict[str, list[str]]) -> int:
    """Show the self-checks, open the expanders, run axe and note the page's serious or critical violations under
    `where`; return the number of self-checks shown."""
    shown = show_self_checks(page)
    open_expanders(page)
    results = run_axe(page)
    assert results["testEngine"]["name"] == "axe-core"
    report[where] = serious(results)
    return shown


def check_other_tabs(page, where: str, report: dict[str, list[str]]) -> int:
    """Show each tab after the first in turn (axe skips hidden panels) and check the panel shown."""
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    checked = 0
    for i in range(tabs.count()):
        if tabs.nth(i).get_attribute("aria-selected") == "true":
            continue
        tabs.nth(i).focus()
        page.keyboard.press("Enter")  # with the keyboard, as a learner without a mouse can
        page.wait_for_timeout(300)
        open_expanders(page)
        name = tabs.nth(i).inner_text().strip()
        report[f"{where}, tab {name}"] = serious(run_axe(page, '[role="tabpanel"]'))  # only the shown one exists
        checked += 1
    return checked


def fail_on(report: dict[str, list[str]]) -> None:
    failures = [f"{where}:\n" + "\n".join(lines) for where, lines in report.items() if lines]
    if failures:
        pytest.fail(f"WCAG 2.1 AA: serious or critical violations on {len(failures)} of {len(report)} view(s):\n\n"
                    + "\n\n".join(failures), pytrace=False)


@pytest.fixture(scope="module")
def page_urls(browser, base_url) -> list[str]:
    page = browser.new_page(viewport=VIEWPORT)
    urls = discover_pages(page, base_url)
    page.close()
    assert len(urls) >= 8, urls  # the course map, six lessons and the case study
    return urls


def test_axe_is_loaded_from_the_package_and_finds_a_missing_alt(browser, base_url):
    """The checker itself works offline: an image without alt text injected in the page is reported."""
    page = browser.new_page(viewport=VIEWPORT)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None)
    page.goto(base_url + "/")
    wait_idle(page)
    page.evaluate("""() => { const img = document.createElement('img'); img.id = 'no-alt';
        img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; document.body.appendChild(img); }""")
    results = run_axe(page, "#no-alt")
    assert [v["id"] for v in results["violations"]] == ["image-alt"]
    assert [r for r in outside if "axe" in r] == []  # axe came from the package, not from the network
    page.close()


@pytest.mark.parametrize("mode", ["learner", "lecturer"])
def test_every_page_meets_wcag_21_aa(browser, base_url, page_urls, mode):
    page = browser.new_page(viewport=VIEWPORT)
    report: dict[str, list[str]] = {}
    self_checks = 0
    for url in page_urls:
        page.goto(url + ("?lecturer=1" if mode == "lecturer" else ""))
        wait_idle(page)
        self_checks += check(page, f"{url.removeprefix(base_url) or '/'} ({mode})", report)
        if mode == "learner":
            check_other_tabs(page, f"{url.removeprefix(base_url)} ({mode})", report)
    page.close()
    assert self_checks >= 7, self_checks  # the questions of the six lessons and the case study were checked too
    fail_on(report)


def test_every_page_has_one_h1_and_headings_in_order(browser, base_url, page_urls):
    """WCAG 1.3.1 and 2.4.6: one h1 (the lesson's title), no heading level skipped on the way down, a language."""
    page = browser.new_page(viewport=VIEWPORT)
    problems = []
    for url in page_urls:
        page.goto(url)
        wait_idle(page)
        open_expanders(page)
        levels = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)')]
            .filter(h => h.offsetParent !== null).map(h => Number(h.tagName[1]))""")
        name = url.removeprefix(base_url) or "/"
        if levels.count(1) != 1 or not levels or levels[0] != 1:
            problems.append(f"{name}: {levels.count(1)} h1 (levels {levels[:12]})")
        skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        if skips:
            problems.append(f"{name}: heading level skipped {skips[:5]}")
        if not re.fullmatch(r"[a-z]{2}(-[A-Za-z]+)?", page.evaluate("() => document.documentElement.lang") or ""):
            problems.append(f"{name}: no language on <html>")
    page.close()
    assert problems == []


def test_views_after_the_main_actions_meet_wcag_21_aa(browser, base_url):
    """After an upload (lesson 2), a registration (lesson 5) and a training (lesson 6): the new views pass too."""
    from pydicom.data import get_testdata_file

    page = browser.new_page(viewport=VIEWPORT)
    report: dict[str, list[str]] = {}

    page.goto(base_url + "/loading")
    wait_idle(page)
    uploader = page.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"]')
    uploader.locator('input[type="file"]').set_input_files(get_testdata_file("CT_small.dcm"))
    page.get_by_text("Showing your upload: CT_small.dcm").wait_for(timeout=60_000)
    wait_idle(page)
    check(page, "/loading after an upload", report)

    page.goto(base_url + "/unsupervised?section=Register")  # the lesson shows one section at a time
    wait_idle(page)
    page.get_by_role("button", name="Register", exact=True).click()
    page.get_by_text("Choose a transform and a metric, then press").wait_for(state="detached", timeout=120_000)
    wait_idle(page)
    assert page.get_by_text("The registration failed").count() == 0
    check(page, "/unsupervised after a registration", report)

    page.goto(base_url + "/supervised?section=Training")  # lesson 6 shows one section at a time
    wait_idle(page)
    epochs = page.get_by_role("slider", name="Epochs").first
    epochs.focus()
    page.keyboard.press("Home")  # one epoch: the views of a trained network, in seconds (keyboard only)
    wait_idle(page)
    page.get_by_role("button", name="Train the network").click()
    page.get_by_role("button", name="Download the trained model (.keras)").wait_for(timeout=300_000)
    wait_idle(page)
    check(page, "/supervised after a training", report)
    page.close()
    fail_on(report)
