"""The HTML forms in a real browser: Debian's chromium, driven through
chromium-driver, against the nginx stack. Sign in, verify the address,
change the password; and the forgotten-password path from a fresh browser."""
import shutil

import pytest

from selenium import webdriver  # installed by scripts/deps: a missing one must fail, not skip
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def start_chromium(*extra_args):
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", *extra_args]:
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
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
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


def test_sign_in_verify_and_change_password(make_stack, browser):
    s = make_stack(signin_redirect="/account/me")
    email, password = s.add_user()
    browser.get(f"{s.base}/token")
    fill(browser, username=email, password=password)
    assert browser.current_url == f"{s.base}/me"
    assert f"Signed in as {email}" in browser.find_element(By.TAG_NAME, "body").text

    browser.get(browser.find_element(By.LINK_TEXT, "Verify your e-mail address").get_attribute("href"))
    fill(browser)  # the address is filled in from the session
    assert "/verify-otp" in browser.current_url
    fill(browser, code=s.mailbox.code(email))
    assert "Your code was accepted" in browser.page_source
    browser.get(f"{s.base}/me")
    assert "(verified)" in browser.page_source

    browser.get(f"{s.base}/change-password")
    fill(browser, old_password=password, new_password="short", confirm_password="short")
    assert "String should have at least 8 characters" in browser.page_source  # re-rendered with the error
    fill(browser, old_password=password, new_password="a fresh passphrase 7", confirm_password="a fresh passphrase 7")
    assert "Your password was changed" in browser.page_source
    assert s.sign_in(email, "a fresh passphrase 7").status_code == 200
    assert "password was changed" in s.mailbox.messages(email)[-1]["Subject"]


def test_forgotten_password_from_a_fresh_browser(make_stack, browser):
    s = make_stack()
    email, _ = s.add_user()
    browser.get(f"{s.base}/send-otp")
    fill(browser, email=email)
    assert "/verify-otp" in browser.current_url
    fill(browser, code="000000" if s.mailbox.code(email) != "000000" else "111111")
    assert "Invalid OTP" in browser.page_source
    fill(browser, code=s.mailbox.code(email))
    assert browser.current_url == f"{s.base}/change-password"
    assert browser.find_elements(By.NAME, "old_password") == []  # the reset grant replaces it
    fill(browser, new_password="a fresh passphrase 7", confirm_password="a fresh passphrase 7")
    assert "Your password was changed" in browser.page_source
    assert s.sign_in(email, "a fresh passphrase 7").status_code == 200


def test_sign_out(make_stack, browser):
    s = make_stack(signin_redirect="/account/me")
    email, password = s.add_user()
    browser.get(f"{s.base}/token")
    fill(browser, username=email, password=password)
    browser.get(browser.find_element(By.LINK_TEXT, "Sign out").get_attribute("href"))
    fill(browser)
    assert browser.current_url == f"{s.base}/token"
    browser.get(f"{s.base}/me")
    assert "Not authenticated" in browser.page_source
