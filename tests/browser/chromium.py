"""Debian's chromium, driven through chromium-driver, for the tests that
need a real browser: the helpers to start it and to fill in a form, and a
`Visit` that checks every page it lands on (axe-core, in light and dark)
and photographs it (phone and desktop, light and dark)."""
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from selenium import webdriver  # installed by scripts/deps: a missing one must fail, not skip
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import ROOT

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("GATEHOUSE_SCREENSHOTS", ROOT / "var" / "screenshots"))
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


def start_chromium(*extra_args):
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                "--hide-scrollbars", *extra_args]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def fill(browser, **fields):
    for name, value in fields.items():
        el = browser.find_element(By.NAME, name)
        el.clear()
        el.send_keys(value)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main form:not(.inline) button[type=submit]"))


def submit(browser, button):
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    # A form post navigates: wait until the old page is gone (mid-navigation
    # chromium may answer with an inspector error instead of "stale").
    def gone(_):
        try:
            page.is_enabled()
            return False
        except WebDriverException:
            return True
    WebDriverWait(browser, 15).until(gone)
    WebDriverWait(browser, 15).until(lambda b: b.execute_script("return document.readyState") == "complete")


def catalogue(language):
    """A shipped catalogue as the pages use it, so a journey finds its links
    by their words in any language."""
    texts = {}
    for line in (ROOT / "deploy" / "templates" / "locales" / f"{language}.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, text = line.partition(" = ")
            texts[key.strip()] = text
    return texts


def axe_source():
    spec = importlib.util.find_spec("axe_playwright_python")  # the package ships axe-core; it is not imported
    assert spec, "scripts/deps installs axe-playwright-python for its copy of axe-core"
    return (Path(spec.origin).parent / "axe.min.js").read_text()


class Visit:
    """One person's journey in one language. `land(name)` after each
    navigation: no serious or critical axe-core finding in light or dark,
    and the page photographed at phone and desktop width in both."""
    AXE = None

    def __init__(self, language, *extra_args):
        self.language = language
        self.t = catalogue(language)
        self.browser = start_chromium(f"--accept-lang={language}", *extra_args)
        self.seen = []
        if Visit.AXE is None:
            Visit.AXE = axe_source()

    def text(self, key, **values):
        text = self.t[key]
        for k, v in values.items():
            text = text.replace("{" + k + "}", v)
        return text

    def close(self):
        self.browser.quit()

    @property
    def url(self):
        return self.browser.current_url

    @property
    def body(self):
        return self.browser.find_element(By.TAG_NAME, "body").text

    def get(self, url, name):
        self.browser.get(url)
        self.land(name)

    def click(self, link_text, name):
        self.browser.get(self.browser.find_element(By.LINK_TEXT, link_text).get_attribute("href"))
        self.land(name)

    def fill(self, name, **fields):
        fill(self.browser, **fields)
        self.land(name)

    def press(self, button_text, name):
        submit(self.browser, self.browser.find_element(By.XPATH, f"//button[normalize-space()='{button_text}']"))
        self.land(name)

    def scheme(self, dark):
        self.browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def land(self, name):
        b = self.browser
        assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == self.language, (name, b.current_url)
        assert b.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr", (name, b.current_url)
        folder = SCREENSHOTS / self.language
        folder.mkdir(parents=True, exist_ok=True)
        for dark in (False, True):
            self.scheme(dark)
            b.execute_script(Visit.AXE)
            found = b.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations"
                ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))));")
            assert found == [], f"{name} ({'dark' if dark else 'light'}, {self.language}): {found}"
            for size, (w, h) in SIZES.items():
                b.set_window_size(w, h)
                b.save_screenshot(str(folder / f"{name}-{size}-{'dark' if dark else 'light'}.png"))
        self.scheme(False)
        b.set_window_size(*SIZES["desktop"])
        self.seen.append(name)
