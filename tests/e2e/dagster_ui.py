"""Driving the Dagster 1.13 UI with Playwright (sync API) on Debian's Chromium; never a downloaded browser.

Labels are the UI's own ("Materialize…", "Add a partition", "Launch 1 run"): when a Dagster upgrade renames
one, the failure screenshot in test-artifacts/ shows what the page looks like now.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
#: The whole cascade with its groups fits the lineage view at this size (it does not zoom out further).
LINEAGE_VIEWPORT = {"width": 2200, "height": 1300}
UI_TIMEOUT_MS = 30_000
LOCATION = "soundcharts_assets"
RUN_URL = re.compile(r"/runs/(?P<run_id>[0-9a-f-]{36})")
# Assertions wait as long as actions do: on a busy 2-core machine the UI's 5 s default is too short.
expect.set_options(timeout=UI_TIMEOUT_MS)


@contextmanager
def chromium_browser(executable: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Browser, viewport: dict[str, int] = VIEWPORT) -> Page:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(UI_TIMEOUT_MS)
    # A fresh browser is greeted by a newsletter dialog at some point after load; skip it whenever it shows.
    page.add_locator_handler(
        page.get_by_text("Join the Dagster community"),
        lambda: page.get_by_role("button", name="Skip").click(),
    )
    return page


@contextmanager
def screenshot_on_failure(page: Page, path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        page.screenshot(path=str(path), full_page=True)
        raise


def materialize_new_partition(page: Page, base_url: str, asset: str, partition: str, shots: Path) -> str:
    """On the asset's page: Materialize… → Add a partition → Save → Launch 1 run → View (in the toast).

    Returns the id of the launched run."""
    page.goto(f"{base_url}/assets/{asset}")
    page.get_by_role("button", name="Materialize…").click()
    launch = page.get_by_role("dialog").filter(has_text=f"Launch runs to materialize {asset}")
    launch.get_by_role("button", name="Add a partition").click()
    add = page.get_by_role("dialog").filter(has_text="Add a partition for charts")
    add.get_by_role("textbox").fill(partition)
    add.get_by_role("button", name="Save").click()
    expect(add).to_be_hidden()
    expect(launch.get_by_text("1 partition", exact=True)).to_be_visible()
    launch_button = launch.get_by_role("button", name="Launch 1 run")
    expect(launch_button).to_be_enabled()
    page.screenshot(path=str(shots / "launch-dialog.png"))
    launch_button.click()
    page.get_by_role("link", name="View", exact=True).click()  # in the "Launched run …" toast
    page.wait_for_url(RUN_URL)
    match = RUN_URL.search(page.url)
    assert match is not None, page.url
    return match["run_id"]


def add_partitions(page: Page, base_url: str, asset: str, partitions: list[str]) -> None:
    """On the asset's page: Materialize… → Add a partition → Save, for each; then Cancel: nothing is launched.

    (The dialog itself refuses a key with whitespace; any other key is stored as typed.)"""
    page.goto(f"{base_url}/assets/{asset}")
    page.get_by_role("button", name="Materialize…").click()
    launch = page.get_by_role("dialog").filter(has_text=f"Launch runs to materialize {asset}")
    for partition in partitions:
        launch.get_by_role("button", name="Add a partition").click()
        add = page.get_by_role("dialog").filter(has_text="Add a partition for charts")
        add.get_by_role("textbox").fill(partition)
        add.get_by_role("button", name="Save").click()
        expect(add).to_be_hidden()
    close_dialog(launch)


def close_dialog(dialog: Locator, attempts: int = 5) -> None:
    """Cancel, again if the dialog is still there: the chart_registry sensor may delete the partition just added
    while the dialog is open, and a click landing while the dialog re-renders is lost (seen in CI)."""
    for attempt in range(attempts):
        if dialog.is_hidden():
            return
        try:
            dialog.get_by_role("button", name="Cancel").click(timeout=UI_TIMEOUT_MS // attempts)
            expect(dialog).to_be_hidden(timeout=UI_TIMEOUT_MS // attempts)
            return
        except (AssertionError, PlaywrightTimeoutError):
            if attempt == attempts - 1:
                raise


def open_sensor_tick(page: Page, base_url: str, sensor: str, result: str) -> Locator:
    """The sensor's page, then the details of its newest tick whose result mentions ``result`` (e.g. "deleted");
    returns the tick's dialog (its skip reason, the partitions it added or deleted)."""
    page.goto(f"{base_url}/locations/{LOCATION}/sensors/{sensor}")
    tick = page.get_by_role("row").filter(has_text=result).first
    tick.get_by_text(re.compile(r"runs? requested")).last.click()
    dialog = page.get_by_role("dialog").filter(has_text=f"Tick for {sensor}")
    expect(dialog).to_be_visible()
    return dialog


def screenshot_run(page: Page, base_url: str, run_id: str, path: Path) -> None:
    page.goto(f"{base_url}/runs/{run_id}")
    expect(page.get_by_text("Success", exact=True).first).to_be_visible()  # the run's status tag
    page.screenshot(path=str(path))


def wait_until_still(page: Page, locator: Locator, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Until an element is in the same place on two consecutive animation frames (animations are over)."""
    page.wait_for_function(
        """(element) => new Promise((resolve) => {
            const before = element.getBoundingClientRect();
            requestAnimationFrame(() => requestAnimationFrame(() => {
                const after = element.getBoundingClientRect();
                resolve(before.x === after.x && before.y === after.y && before.width === after.width);
            }));
        })""",
        arg=locator.element_handle(),
        timeout=timeout_ms,
    )


def screenshot_lineage(browser: Browser, base_url: str, asset: str, downstream: list[str], path: Path) -> None:
    """The asset's whole downstream lineage: click graph depth "All", then show that view in a new page (a
    reload keeps the zoom of the smaller graph; a fresh page zooms out to fit the whole graph)."""
    page = open_page(browser)
    page.goto(f"{base_url}/assets/{asset}?view=lineage&lineageScope=downstream")
    page.get_by_role("button", name="All", exact=True).click()
    page.wait_for_url(re.compile(r"lineageDepth=\d+"))
    whole_graph_url = page.url
    page.close()

    page = open_page(browser, LINEAGE_VIEWPORT)
    page.goto(whole_graph_url)
    nodes = [page.get_by_text(name, exact=True).last for name in [asset, *downstream]]  # last: not the title
    for node in nodes:
        expect(node).to_be_in_viewport(ratio=1)
    expect(page.get_by_text(re.compile(r"^Loading"))).to_have_count(0)  # every node has its status
    wait_until_still(page, nodes[0])
    page.screenshot(path=str(path))
    page.close()
