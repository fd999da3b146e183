"""``actviz page`` in a real browser: headless Chromium (Debian's chromium and chromium-driver,
installed by .ci/run) through selenium, the page opened from file:// with the network
blocked. One browser for the module; each test reloads the page."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import invoke

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install -e '.[test]')")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no Chromium here: install Debian's chromium and chromium-driver (.ci/run does)")

SPECS = ("relu", "gelu", "elu", "leaky_relu", "binary_step")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "page.html"
    assert invoke("page", *SPECS, "-o", path).exit_code == 0
    return path


@pytest.fixture(scope="module")
def browser() -> Any:
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
                "--force-device-scale-factor=1", "--hide-scrollbars",
                # the network blocked: every host unresolvable, every request to a dead proxy
                "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--disable-background-networking", "--no-first-run"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.execute_cdp_cmd("Network.enable", {})
    yield driver
    driver.quit()


def open_page(browser: Any, page: Path, fragment: str = "") -> None:
    browser.get(page.as_uri() + fragment)
    if fragment:  # the same document with another hash: make it read the new one
        browser.refresh()
    browser.execute_script("return document.documentElement.dataset.ready")
    assert browser.execute_script("return document.documentElement.dataset.ready") == "1"


def data(browser: Any) -> dict:
    return browser.execute_script("return window.actvizPage.data")


def test_opens_offline_without_errors_or_requests(browser, page):
    browser.get_log("browser")  # what earlier pages logged
    open_page(browser, page)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    # no request of any kind: the only resource the page loaded is itself
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').length") == 0
    assert browser.execute_script("return typeof uPlot") == "function"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".pane canvas")) == 3


def readout(browser: Any) -> tuple[float, dict[str, list[str]]]:
    caption = browser.find_element(By.CSS_SELECTOR, "#readout caption").text
    x = float(caption.split("x = ")[1].split(" ")[0])
    rows = {}
    for tr in browser.find_elements(By.CSS_SELECTOR, "#readout tbody tr"):
        rows[tr.get_attribute("data-label")] = [td.text for td in
                                                tr.find_elements(By.TAG_NAME, "td")]
    return x, rows


def test_hover_reads_the_embedded_values(browser, page):
    open_page(browser, page)
    over = browser.find_elements(By.CSS_SELECTOR, ".pane .u-over")[1]
    width = over.size["width"]
    # (offsets from the element's centre)
    ActionChains(browser).move_to_element_with_offset(over, -int(width * 0.38), 5).perform()
    x, rows = readout(browser)
    embedded = json.loads(page.read_text(encoding="utf-8").split(
        'id="actviz-data">')[1].split("</script>")[0])
    shown = [embedded["groups"][g]["label"] for g in embedded["shown"]]
    assert sorted(rows) == sorted(shown)
    for label in shown:
        entry = embedded["functions"][next(g["default"] for g in embedded["groups"]
                                           if g["label"] == label)]
        i = entry["x"].index(x)
        want = [entry[k][i] for k in ("f", "df", "d2f")]
        assert [float(v) for v in rows[label]] == want, label
    assert x < 0  # left of the middle: relu is 0 there, gelu is not
    assert rows["relu"][:2] == ["0", "0"]


def test_arrow_keys_move_the_cursor(browser, page):
    open_page(browser, page)
    pane = browser.find_elements(By.CSS_SELECTOR, ".pane")[0]
    pane.send_keys(Keys.ARROW_RIGHT)
    first, _ = readout(browser)
    pane.send_keys(Keys.ARROW_RIGHT)
    second, rows = readout(browser)
    assert second > first and set(rows) >= {"relu", "gelu"}


def test_every_control_is_reachable_with_the_keyboard(browser, page):
    open_page(browser, page)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    reached = set()
    for _ in range(40):
        active = browser.switch_to.active_element
        reached.add(active.get_attribute("id") or active.get_attribute("value")
                    or active.get_attribute("class"))
        active.send_keys(Keys.TAB)
    for name in (*SPECS, "flavor", "show-d2f", "reset-zoom", "pane"):
        assert name in reached, name


def test_toggle_hides_a_series(browser, page):
    open_page(browser, page)
    assert "gelu" in browser.execute_script("return window.actvizPage.series()")
    browser.find_element(By.CSS_SELECTOR, "#function-list input[value='gelu']").click()
    series = browser.execute_script("return window.actvizPage.series()")
    assert "gelu" not in series and "relu" in series
    labels = browser.execute_script(
        "return window.actvizPage.plotsNow()[0].series.slice(1).map(s => s.label)")
    assert "gelu" not in labels
    assert "gelu" not in browser.find_element(By.ID, "properties").text.split("\n")[0]


def x_scales(browser: Any) -> list[list[float]]:
    return browser.execute_script(
        "return window.actvizPage.plotsNow().map(p => [p.scales.x.min, p.scales.x.max])")


def drag(browser: Any, pane: int, start: float, end: float) -> None:
    over = browser.find_elements(By.CSS_SELECTOR, ".pane .u-over")[pane]
    w, h = over.size["width"], over.size["height"]
    (ActionChains(browser).move_to_element_with_offset(over, int(w * (start - 0.5)), 0)
     .click_and_hold().move_by_offset(int(w * (end - start)), 0).release().perform())
    del h


def test_drag_zooms_every_pane_and_double_click_resets(browser, page):
    open_page(browser, page)
    full = x_scales(browser)
    drag(browser, 0, 0.3, 0.6)
    zoomed = x_scales(browser)
    assert zoomed[0] == zoomed[1] == zoomed[2]  # one x for the three panes
    lo, hi = zoomed[0]
    assert full[0][0] < lo < hi < full[0][1] and hi - lo < 0.5 * (full[0][1] - full[0][0])
    assert "x=" in browser.execute_script("return location.hash")
    over = browser.find_elements(By.CSS_SELECTOR, ".pane .u-over")[2]
    ActionChains(browser).double_click(over).perform()
    assert x_scales(browser) == full
    assert "x=" not in browser.execute_script("return location.hash")


def test_the_hash_round_trips(browser, page):
    open_page(browser, page)
    browser.find_element(By.CSS_SELECTOR, "#function-list input[value='gelu']").click()
    browser.find_element(By.CSS_SELECTOR, "#function-list input[value='relu']").click()
    select = browser.find_element(By.ID, "flavor")
    select.find_element(By.CSS_SELECTOR, "option[value='keras']").click()
    browser.find_element(By.CSS_SELECTOR, "#presets select option[value='alpha=2']").click()
    drag(browser, 1, 0.5, 0.8)
    state = browser.execute_script("return window.actvizPage.series()")
    scales = x_scales(browser)
    link = browser.execute_script("return location.hash")
    assert "flavor=keras" in link and "alpha%3D2" in link
    browser.get("about:blank")
    open_page(browser, page, link)
    assert browser.execute_script("return window.actvizPage.series()") == state
    assert x_scales(browser) == scales
    assert browser.execute_script("return location.hash") == link
    assert "elu (alpha=2)" in state and "relu" not in state


def test_flavour_switch_shows_that_frameworks_values(browser, page):
    """leaky_relu in keras: slope 0.2 (keras.activations.leaky_relu's default)."""
    open_page(browser, page, "#show=leaky_relu&flavor=keras")
    pane = browser.find_elements(By.CSS_SELECTOR, ".pane")[1]
    pane.send_keys(Keys.ARROW_LEFT)  # to the middle
    pane.send_keys(Keys.ARROW_LEFT)  # one point left of it
    x, rows = readout(browser)
    assert x < 0 and rows["leaky_relu"][1] == "0.2"


def pixels(browser: Any) -> np.ndarray:
    from matplotlib.image import imread

    return imread(io.BytesIO(browser.get_screenshot_as_png()), format="png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot_is_not_blank_in_either_theme(browser, page, scheme):
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        open_page(browser, page)
        image = pixels(browser)[..., :3]
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    background = np.array([1.0, 1.0, 1.0]) if scheme == "light" else \
        np.array([0x16, 0x18, 0x1D]) / 255
    assert np.abs(image[0, 0] - background).max() < 0.02  # the theme's background
    differs = np.abs(image - background).max(axis=2) > 0.1
    assert 0.02 < differs.mean() < 0.6  # curves, axes and text, not an empty page
    colours = {tuple(c) for c in np.round(image.reshape(-1, 3)[::7] * 255).astype(int)}
    assert len(colours) > 50


def test_readable_on_a_phone(browser, page):
    browser.set_window_size(390, 844)
    try:
        open_page(browser, page)
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth, "
            "document.querySelector('.pane canvas').getBoundingClientRect().width]")
    finally:
        browser.set_window_size(1280, 1000)
    scroll, inner, canvas = widths
    assert scroll <= inner  # nothing wider than the screen
    assert canvas >= 0.8 * inner


def styles(browser: Any) -> list[list[Any]]:
    """[label, colour, dash] of each curve of the f pane, in the order drawn."""
    return browser.execute_script(
        "return window.actvizPage.plotsNow()[0].series.slice(1)"
        ".map(s => [s.label, s._stroke, JSON.stringify(s.dash || [])])")


def test_a_functions_colour_and_place_survive_toggling(browser, page):
    """Unchecking and rechecking relu changes no colour and no order: a function's colour
    and its place in the readout, the properties and the link are its place in the page's
    list of functions; the swatch beside its checkbox has its colour."""
    open_page(browser, page)
    before = styles(browser)
    rows = [tr.get_attribute("data-label") for tr in
            browser.find_elements(By.CSS_SELECTOR, "#readout tbody tr")]
    head = browser.find_element(By.CSS_SELECTOR, "#properties tr").text
    link = browser.execute_script("return location.hash")
    box = browser.find_element(By.CSS_SELECTOR, "#function-list input[value='relu']")
    box.click()
    assert "relu" not in [s[0] for s in styles(browser)]
    assert styles(browser) == [s for s in before if s[0] != "relu"]
    box.click()
    assert styles(browser) == before
    assert [tr.get_attribute("data-label") for tr in browser.find_elements(
        By.CSS_SELECTOR, "#readout tbody tr")] == rows == [s[0] for s in before]
    assert browser.find_element(By.CSS_SELECTOR, "#properties tr").text == head
    assert browser.execute_script("return location.hash") == link
    assert link.startswith("#show=" + ",".join(SPECS))  # the page's order
    colours = {s[0]: s[1] for s in before}
    for label in SPECS:
        swatch = browser.find_element(
            By.XPATH, f"//div[@id='function-list']//input[@value='{label}']/..//*[@stroke]")
        assert swatch.get_attribute("stroke") == colours[label], label
    assert len(set(colours.values())) == len(SPECS)  # five functions, five colours


AXES = """
const canvas = document.createElement('canvas').getContext('2d');
return window.actvizPage.plotsNow().map(p => p.axes.map((a, i) => {
  canvas.font = a.font[0];
  const r = devicePixelRatio;
  return {values: a._values, size: a._size, ticks: a.ticks.size, gap: a.gap,
          widths: a._values.map(v => canvas.measureText(v).width / r),
          at: a._splits.map(v => p.valToPos(v, i === 0 ? 'x' : 'y'))};
}));
"""


@pytest.mark.parametrize(("specs", "lo", "hi"), [
    (("softmax", "crelu", "exponential", "sigmoid"), "-3", "12"),
    (("relu", "gelu"), "-1e9", "1e9"),
])
@pytest.mark.parametrize("width", [1280, 390])
def test_tick_labels_fit_their_axes(browser, tmp_path, specs, lo, hi, width):
    """Each y axis is wider than its widest tick label (measured in the browser, in uPlot's
    own font) plus the tick and the gap, so that no sign or digit is cut off; neighbouring x
    labels leave room between them; large values read 5e4, -1e9."""
    path = tmp_path / "p.html"
    assert invoke("page", *specs, "--range", lo, hi, "-o", path).exit_code == 0
    browser.set_window_size(width, 1000)
    try:
        open_page(browser, path)
        panes = browser.execute_script(AXES)
    finally:
        browser.set_window_size(1280, 1000)
    assert len(panes) == 3
    assert len({pane[1]["size"] for pane in panes}) == 1  # one width: x lines up
    for x_axis, y_axis in panes:
        assert len(y_axis["values"]) >= 3 and len(x_axis["values"]) >= 3
        assert max(y_axis["widths"]) + y_axis["ticks"] + y_axis["gap"] <= y_axis["size"]
        for k in range(len(x_axis["at"]) - 1):
            room = x_axis["at"][k + 1] - x_axis["at"][k]
            assert room >= (x_axis["widths"][k] + x_axis["widths"][k + 1]) / 2 + 4
        for text in x_axis["values"] + y_axis["values"]:
            assert len(text) <= 6, text
    if hi == "1e9":
        assert panes[0][0]["values"][0] == "-1e9" and "5e8" in panes[0][1]["values"]
    else:
        assert any(text.startswith("-") for text in panes[0][1]["values"])  # -5e4 whole


def test_hover_at_a_kink_reads_the_kink_not_its_neighbours(browser, page):
    """The grid holds the float either side of each kink (to draw jumps): pointing at x = 0
    reads x = 0 (not -5e-324) and relu's values there, autograd's relu'(0) = 0 with the
    one-sided values of its jump beside it; gelu, without a kink there, shows its value at
    0. The arrow keys step over the neighbours too."""
    open_page(browser, page)
    over = browser.find_elements(By.CSS_SELECTOR, ".pane .u-over")[0]
    at = browser.execute_script(
        "const p = window.actvizPage.plotsNow()[0]; return p.valToPos(0, 'x')")
    ActionChains(browser).move_to_element_with_offset(
        over, round(at - over.size["width"] / 2), 5).perform()
    x, rows = readout(browser)
    assert x == 0.0 and "x = 0 " in browser.find_element(
        By.CSS_SELECTOR, "#readout caption").text
    assert rows["relu"][0] == "0" and rows["relu"][1].startswith("0 (")
    assert rows["relu"][1] == "0 (\u2190 0, \u2192 1)"  # f' jumps from 0 to 1
    assert rows["gelu"][:2] == ["0", "0.5"]  # gelu(0) = 0, gelu'(0) = 1/2
    pane = browser.find_elements(By.CSS_SELECTOR, ".pane")[0]
    seen = []
    for key in (Keys.ARROW_LEFT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT):
        pane.send_keys(key)
        seen.append(readout(browser)[0])
    step = seen[2] - seen[1]
    assert seen[0] == -step and seen[1] == 0.0 and step >= 0.01


def test_what_is_switched_off_leaves_the_page(browser, page):
    """With the f'' pane off the readout has no f'' column; with the marks off their key is
    gone; Show all and Hide all show and hide every function."""
    open_page(browser, page, "#show=relu,gelu&d2f=0&marks=0")
    over = browser.find_elements(By.CSS_SELECTOR, ".pane .u-over")[0]
    ActionChains(browser).move_to_element_with_offset(over, -40, 5).perform()
    heads = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#readout thead th")
             if th.is_displayed()]
    assert heads == ["function", "f", "f\u2032"]
    for tr in browser.find_elements(By.CSS_SELECTOR, "#readout tbody tr"):
        assert len(tr.find_elements(By.TAG_NAME, "td")) == 2
    assert not browser.find_element(By.ID, "key").is_displayed()
    browser.find_element(By.ID, "show-marks").click()
    browser.find_element(By.ID, "show-d2f").click()
    assert browser.find_element(By.ID, "key").is_displayed()
    assert browser.find_element(By.ID, "readout-d2f").is_displayed()
    browser.find_element(By.ID, "show-all").click()
    assert browser.execute_script("return window.actvizPage.series()") == list(SPECS)
    browser.find_element(By.ID, "show-none").click()
    assert browser.execute_script("return window.actvizPage.series()") == []


COLUMN = """
const p = window.actvizPage.plotsNow()[0], r = devicePixelRatio, box = p.bbox;
const x = Math.round(p.valToPos(arguments[0], 'x', true));
const pixels = p.ctx.getImageData(x, box.top, 1, box.height).data;
const curves = p.series.slice(1).map(s => [s.label, s._stroke]);
return {pixels: Array.from(pixels), top: box.top, height: box.height, curves: curves,
        zero: p.valToPos(0, 'y', true)};
"""


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[k:k + 2], 16) for k in (1, 3, 5)], float)


@pytest.mark.parametrize("shown", ["relu", "relu,gelu,leaky_relu"])
def test_dead_zones_are_drawn_as_the_key_shows_them(browser, page, shown):
    """One style for any number of functions: relu's dead zone (x < 0) is a hatched bar in
    relu's colour in a lane under the curves, the rest of the pane above it untinted; the
    key gives the saturation threshold."""
    open_page(browser, page, f"#show={shown}")
    column = browser.execute_script(COLUMN, -2.5)
    pixels = np.array(column["pixels"], float).reshape(-1, 4)[:, :3]
    relu = rgb(dict(column["curves"])["relu"])
    background = pixels[2]
    tinted = (np.abs(pixels - background).max(axis=1) > 60) & (
        np.abs(pixels - relu).sum(axis=1) < np.abs(pixels - background).sum(axis=1))
    rows = np.flatnonzero(tinted)
    zero = column["zero"] - column["top"]
    rows = rows[np.abs(rows - zero) > 4]  # not the curves at y = 0
    assert len(rows) >= 2
    assert rows.min() > 0.75 * column["height"]  # a lane at the bottom, not the whole pane
    key = browser.find_element(By.ID, "key").text
    assert "|f\u2032| < 0.05" in key and "dead zone: f\u2032 = 0" in key
