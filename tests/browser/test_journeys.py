"""The journeys a person takes, in Debian's headless chromium, by clicking
links and buttons (a URL is typed only to start), in English and in
German (the browser's Accept-Language). Every page landed on passes
axe-core in light and dark and is photographed at phone and desktop
width (browser/chromium.py, Visit)."""
import re

import pytest

from browser.chromium import Visit
from conftest import Stack

LANGUAGES = ["en", "de"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("journeys"), otp_send_cooldown=0, signin_redirect="/account/").start()
    yield s
    s.stop()


@pytest.fixture(params=LANGUAGES)
def visit(request):
    v = Visit(request.param)
    yield v
    v.close()


def test_sign_in_home_change_password_sign_out(site, visit):
    email, password = site.add_user()
    # The account home needs a session: to sign in, and back afterwards.
    visit.get(f"{site.base}/", "sign-in")
    assert "/account/token?rd=" in visit.url
    visit.fill("home", username=email, password=password)
    assert visit.url == f"{site.base}/"
    assert visit.text("home.signed-in-as", email=email) in visit.body
    assert visit.text("home.not-verified") in visit.body

    visit.click(visit.text("home.change-password"), "change-password")
    visit.fill("change-password-error", old_password=password, new_password="short", confirm_password="short")
    assert visit.text("api: Please correct the marked fields.") in visit.body
    assert visit.text("issue.string_too_short", min_length="8") in visit.body
    visit.fill("home-password-changed", old_password=password, new_password="a fresh passphrase 7",
               confirm_password="a fresh passphrase 7")
    assert visit.url == f"{site.base}/?notice=password-changed"
    assert visit.text("notice.password-changed") in visit.body

    visit.click(visit.text("home.sign-out"), "sign-out")
    visit.press(visit.text("signout.submit"), "signed-out")
    assert visit.text("notice.signed-out") in visit.body
    assert site.sign_in(email, "a fresh passphrase 7").status_code == 200


def test_forgotten_password_from_the_sign_in_page(site, visit):
    email, _ = site.add_user()
    visit.get(f"{site.base}/token", "sign-in")
    visit.click(visit.text("signin.forgot"), "reset-request")
    visit.fill("code-sent", email=email)
    assert visit.text("verify.sent", email=email) in visit.body
    first = site.mailbox.code(email)
    visit.fill("code-wrong", code="000000" if first != "000000" else "111111")
    assert visit.text("api: Invalid OTP") in visit.body
    # Another code, from the button on the page: only the newest works.
    visit.press(visit.text("verify.resend"), "code-sent-again")
    newest = site.mailbox.code(email, count=2)
    mail = site.mailbox.messages(email)[-1]
    assert ("Einmal-Code" if visit.language == "de" else "one-time code") in mail["Subject"]
    visit.fill("reset-password", code=newest)
    assert visit.url == f"{site.base}/change-password"
    assert visit.text("password.reset.title", email=email) in visit.body
    visit.fill("password-reset", new_password="a fresh passphrase 7", confirm_password="a fresh passphrase 7")
    assert visit.text("notice.password-reset") in visit.body
    visit.fill("home", username=email, password="a fresh passphrase 7")
    assert visit.url == f"{site.base}/"
    assert visit.text("home.signed-in-as", email=email) in visit.body


def test_verify_the_address_from_the_account_home(site, visit):
    email, password = site.add_user()
    visit.get(f"{site.base}/token", "sign-in")
    visit.fill("home", username=email, password=password)
    visit.click(visit.text("home.verify"), "verify-request")
    visit.press(visit.text("send.submit"), "code-sent-own")  # the address comes from the session
    assert visit.text("verify.sent-own", email=email) in visit.body
    visit.fill("home-verified", code=site.mailbox.code(email))
    assert visit.text("notice.code-accepted") in visit.body
    assert visit.text("home.verified") in visit.body and visit.text("home.verify") not in visit.body


def test_asking_again_too_soon_says_how_long_to_wait(make_stack, visit):
    s = make_stack(otp_send_cooldown="60s")
    email, _ = s.add_user()
    visit.get(f"{s.base}/send-otp?purpose=reset", "reset-request")
    visit.fill("code-sent", email=email)
    visit.press(visit.text("verify.resend"), "code-wait")
    # "You can try again in 59 seconds." in the page's language.
    wait = re.escape(visit.text("wait.again-in")).replace(re.escape("{time}"), r"\d+ " + visit.text("time.seconds").split()[-1])
    assert re.search(wait, visit.body), visit.body
    assert visit.text("api: Too many codes requested; try again later") in visit.body
    assert len(s.mailbox.messages(email)) == 1


def test_every_page_has_a_way_back(site, visit):
    """No dead ends: each form page links onward or back."""
    for path, name in [("/token", "sign-in"), ("/send-otp?purpose=reset", "reset-request"),
                       ("/verify-otp?purpose=reset", "code-entry")]:
        visit.get(f"{site.base}{path}", name)
        assert visit.browser.find_elements("css selector", "ul.links a"), name


def test_sign_in_with_a_code_when_the_site_allows_it(make_stack, visit):
    s = make_stack(otp_send_cooldown=0, otp_login_enabled="yes", signin_redirect="/account/")
    email, _ = s.add_user()
    visit.get(f"{s.base}/", "sign-in-code-allowed")
    visit.click(visit.text("signin.with-code"), "login-request")
    visit.fill("login-code-sent", email=email)
    visit.fill("home-by-code", code=s.mailbox.code(email))
    assert visit.url == f"{s.base}/"  # the return URL the sign-in form carried all the way
    assert visit.text("home.signed-in-as", email=email) in visit.body


def test_the_code_link_is_offered_only_when_the_site_allows_it(site, visit):
    visit.get(f"{site.base}/token", "sign-in")
    assert visit.text("signin.with-code") not in visit.body
