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


def test_second_factor_enrol_sign_in_recover_and_end_a_session(site, visit):
    """Two-step sign-in as a person meets it: turned on from the account
    home (the QR code read back with zbarimg, the key read off the page),
    a sign-in with the app's code and one with a recovery code, the
    password asked again in place before a change, another session seen
    and ended, and a lost phone: in with a recovery code, the factor
    turned off and set up anew."""
    import subprocess
    import time
    from urllib.parse import quote

    import pyotp
    import requests
    from selenium.webdriver.common.by import By

    email, password = site.add_user()
    visit.get(f"{site.base}/", "sign-in")
    visit.fill("home", username=email, password=password)
    assert visit.text("home.mfa-off") in visit.body
    visit.click(visit.text("home.manage-mfa"), "mfa-off")
    visit.press(visit.text("mfa.enable"), "mfa-setup")
    key = visit.browser.find_element(By.CSS_SELECTOR, "code.secret").text.replace(" ", "")
    png = visit.browser.find_element(By.CSS_SELECTOR, "figure.qr svg").screenshot_as_png
    decoded = subprocess.run(["zbarimg", "--raw", "-q", "-"], input=png, capture_output=True).stdout.decode().strip()
    assert decoded == f"otpauth://totp/Gatehouse:{quote(email, safe='')}?secret={key}&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30" \
        or pyotp.parse_uri(decoded).secret == key, decoded
    totp = pyotp.TOTP(key)
    visit.fill("mfa-setup-error", code="000000")
    assert visit.text("api: Invalid second factor code") in visit.body
    while time.time() % 30 >= 27:
        time.sleep(0.3)
    visit.fill("recovery-codes", code=totp.at(time.time() - 30))
    codes = [c.text for c in visit.browser.find_elements(By.CSS_SELECTOR, "ul.codes code")]
    assert len(codes) == 10
    visit.click(visit.text("mfa.codes.done"), "mfa-on")
    assert visit.text("mfa.recovery-left", n="10") in visit.body

    # Sign out; in again: the password, then the app's code.
    visit.get(f"{site.base}/logout", "sign-out")
    visit.press(visit.text("signout.submit"), "signed-out")
    visit.get(f"{site.base}/", "sign-in")
    visit.fill("second-step", username=email, password=password)
    assert visit.text("step.title") in visit.body and "/account/mfa" in visit.url
    visit.fill("second-step-error", code="000000")
    assert visit.text("api: Invalid second factor code") in visit.body
    visit.fill("home", code=totp.now())
    assert visit.url == f"{site.base}/" and visit.text("home.mfa-on") in visit.body

    # Another session (elsewhere, with a recovery code) is seen and ended.
    other = requests.post(f"{site.base}/token", data={"username": email, "password": password, "mfa_code": codes[0]},
                          headers={"User-Agent": "curl/8.0", "X-Forwarded-For": site.client_ip()}).json()["access_token"]
    visit.click(visit.text("home.sessions"), "sessions")
    assert "curl" in visit.body and visit.text("sessions.this-one") in visit.body
    visit.press(visit.text("sessions.end"), "sessions-ended")
    assert visit.text("notice.session-ended") in visit.body and "curl" not in visit.body
    assert requests.get(f"{site.base}/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401

    # Signed out everywhere by the administrator: in with a recovery code, new codes.
    site.ctl("sessions", "revoke", "--user", email)
    visit.get(f"{site.base}/", "sign-in-again")
    visit.fill("second-step-again", username=email, password=password)
    visit.fill("home-again", code=codes[1])
    visit.get(f"{site.base}/mfa", "mfa-on-again")
    visit.press(visit.text("mfa.regenerate"), "recovery-codes-again")
    fresh = [c.text for c in visit.browser.find_elements(By.CSS_SELECTOR, "ul.codes code")]
    assert len(fresh) == 10 and not set(fresh) & set(codes)

    # The phone is lost: in with a recovery code, the factor off, set up anew.
    visit.get(f"{site.base}/logout", "sign-out-again")
    visit.press(visit.text("signout.submit"), "signed-out-again")
    visit.get(f"{site.base}/", "sign-in-lost")
    visit.fill("second-step-lost", username=email, password=password)
    visit.fill("home-lost", code=fresh[0])
    visit.get(f"{site.base}/mfa", "mfa-on-lost")
    visit.press(visit.text("mfa.disable"), "mfa-disabled")
    assert visit.text("notice.mfa-disabled") in visit.body
    assert site.sign_in(email, password).status_code == 200
    visit.press(visit.text("mfa.enable"), "mfa-setup-anew")
    assert visit.browser.find_element(By.CSS_SELECTOR, "code.secret").text.replace(" ", "") != key


def test_the_password_is_asked_again_in_place(site, visit):
    """Another session turned the factor on: this one has not proved it,
    so a change sends it to the reauth page, which brings it back."""
    import time

    import pyotp
    import requests

    email, password = site.add_user()
    visit.get(f"{site.base}/", "sign-in")
    visit.fill("home", username=email, password=password)
    token = site.token(email, password)
    secret = requests.post(f"{site.base}/mfa/totp/setup", headers={"Authorization": f"Bearer {token}"}).json()["secret"]
    totp = pyotp.TOTP(secret)
    while time.time() % 30 >= 27:
        time.sleep(0.3)
    r = requests.post(f"{site.base}/mfa/totp/confirm", json={"code": totp.at(time.time() - 30)},
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    visit.click(visit.text("home.manage-mfa"), "mfa-on")
    visit.press(visit.text("mfa.regenerate"), "reauth")
    assert "/account/reauth?rd=" in visit.url and visit.text("reauth.intro-mfa") in visit.body
    visit.fill("reauth-error", password=password, mfa_code="000000")
    assert visit.text("api: Incorrect password or second factor code") in visit.body
    visit.fill("mfa-on-after-reauth", password=password, mfa_code=totp.now())
    assert visit.url == f"{site.base}/mfa"
    visit.press(visit.text("mfa.regenerate"), "recovery-codes")
    assert visit.text("mfa.codes.title") in visit.body


@pytest.fixture(scope="module", params=["nginx", "lighttpd"])
def two_servers(request, tmp_path_factory):
    """nginx and one more server, for passkeys and a new address."""
    s = Stack(tmp_path_factory.mktemp("passkeys-" + request.param), server=request.param, otp_send_cooldown=0,
              signin_redirect="/account/", signup_enabled="yes").start()
    yield s
    s.stop()


def virtual_authenticator(visit, two_servers):
    # Every language under nginx; the second server in the first language
    # alone (its pages are the same responders' own).
    if two_servers.server != "nginx" and visit.language != LANGUAGES[0]:
        pytest.skip("the second server in one language")
    """Chromium's virtual authenticator (CTAP2, platform, resident keys, user
    verification), and the site's address as passkeys need it: a domain name,
    so http://localhost:PORT."""
    from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions
    options = VirtualAuthenticatorOptions()
    options.protocol = Protocol.CTAP2
    options.transport = Transport.INTERNAL
    options.has_resident_key = True
    options.has_user_verification = True
    options.is_user_verified = True
    visit.browser.add_virtual_authenticator(options)
    return two_servers.base.replace("127.0.0.1", "localhost")


def add_passkey(visit, local, email, password):
    """Signed in with the password, a passkey added from the account home
    (the page's one script runs the ceremony and posts the form)."""
    visit.get(f"{local}/", "sign-in")
    visit.fill("home", username=email, password=password)
    visit.click(visit.text("home.passkeys"), "passkeys-none")
    assert visit.text("passkeys.none") in visit.body
    visit.browser.find_element("name", "name").send_keys("This laptop")
    visit.press(visit.text("passkeys.add"), "passkey-added")
    assert visit.text("notice.passkey-added") in visit.body and "This laptop" in visit.body


def sign_out(visit, local, step):
    visit.get(f"{local}/logout", f"sign-out-{step}")
    visit.press(visit.text("signout.submit"), f"signed-out-{step}")


def test_passkey_register_sign_in_without_a_password_and_remove(two_servers, visit):
    """Added, signed in with and no password typed, removed, then refused
    though the browser still holds it."""
    import base64
    local = virtual_authenticator(visit, two_servers)
    email, password = two_servers.add_user()
    add_passkey(visit, local, email, password)
    stored = visit.browser.get_credentials()
    assert len(stored) == 1 and stored[0].is_resident_credential and stored[0].rp_id == "localhost"
    handle = stored[0].user_handle
    handle = handle if isinstance(handle, bytes) else base64.urlsafe_b64decode(handle + "=" * (-len(handle) % 4))
    assert len(handle) == 32 and email.encode() not in handle, "the user handle is random, never the address"

    sign_out(visit, local, 1)
    visit.get(f"{local}/", "sign-in-passkey")
    visit.press(visit.text("passkeys.sign-in"), "home-by-passkey")
    assert visit.url == f"{local}/" and visit.text("home.signed-in-as", email=email) in visit.body

    visit.click(visit.text("home.passkeys"), "passkeys-one")
    visit.press(visit.text("passkeys.remove"), "passkey-removed")
    assert visit.text("notice.passkey-removed") in visit.body and visit.text("passkeys.none") in visit.body
    sign_out(visit, local, 2)
    visit.get(f"{local}/token", "sign-in-removed")
    visit.press(visit.text("passkeys.sign-in"), "passkey-refused")
    assert visit.text("api: The passkey was not accepted") in visit.body


def test_passkey_as_the_second_step(two_servers, visit):
    """With an authenticator app enrolled, the second step after the
    password offers the passkey beside the app's code."""
    import time

    import pyotp
    import requests
    local = virtual_authenticator(visit, two_servers)
    email, password = two_servers.add_user()
    add_passkey(visit, local, email, password)
    bearer = {"Authorization": "Bearer " + two_servers.token(email, password)}
    secret = requests.post(f"{two_servers.base}/mfa/totp/setup", headers=bearer).json()["secret"]
    r = requests.post(f"{two_servers.base}/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).at(time.time() - 30)}, headers=bearer)
    assert r.status_code == 200, r.text
    sign_out(visit, local, 1)
    visit.get(f"{local}/", "sign-in-2")
    visit.fill("second-step-passkey", username=email, password=password)
    assert visit.text("step.title") in visit.body
    visit.press(visit.text("passkeys.use"), "home-second-step")
    assert visit.url == f"{local}/" and visit.text("home.mfa-on") in visit.body


def test_a_new_address_then_the_old_one_undoes_it(two_servers, visit):
    """From the account home: a new address, its code, the home with the
    new address; then the old mailbox's undo code, which asks for a new
    password, and the old address signs in with it."""
    site = two_servers
    if site.server != "nginx" and visit.language != LANGUAGES[0]:
        pytest.skip("the second server in one language")
    email, password = site.add_user()
    new = "moved-" + email
    visit.get(f"{site.base}/", "sign-in")
    visit.fill("home", username=email, password=password)
    visit.click(visit.text("home.change-email"), "change-email")
    assert visit.text("email.hint", email=email) in visit.body
    visit.fill("change-email-code", new_email=new)
    assert visit.text("verify.sent-own", email=new) in visit.body
    visit.fill("home-email-changed", code=site.mailbox.code(new))
    assert visit.text("notice.email-changed") in visit.body
    assert visit.text("home.signed-in-as", email=new) in visit.body

    told = site.mailbox.messages(email)[-1]
    undo = re.search(r"(?:enter this undo code|geben Sie diesen Code ein):\s+(\S+)", site.mailbox.text(told))[1]
    assert "/account/change-email/undo" in site.mailbox.text(told)
    visit.get(f"{site.base}/change-email/undo", "undo-email")
    assert visit.text("email.undo.intro") in visit.body
    visit.fill("undo-new-password", token=undo)
    assert visit.url == f"{site.base}/change-password"
    assert visit.text("password.reset.title", email=email) in visit.body
    visit.fill("undo-password-set", new_password="back again 2024", confirm_password="back again 2024")
    assert visit.text("notice.password-reset") in visit.body
    visit.fill("home-after-undo", username=email, password="back again 2024")
    assert visit.text("home.signed-in-as", email=email) in visit.body


def test_signing_up_then_leaving_then_coming_back(two_servers, visit):
    """From the sign-in page: an account made with a password and the code
    mailed for it, landing on its home; then leaving from the home, which
    signs out; then the restore code from the mail, and a sign-in again."""
    site = two_servers
    if site.server != "nginx" and visit.language != LANGUAGES[0]:
        pytest.skip("the second server in one language")
    email, password = f"joined-{__import__('secrets').token_hex(4)}@example.org", "a long enough passphrase"
    visit.get(f"{site.base}/token", "sign-in")
    visit.click(visit.text("signin.signup"), "signup")
    assert visit.text("signup.intro") in visit.body
    visit.fill("signup-code", email=email, password=password, confirm_password=password)
    assert visit.text("verify.sent-signup", email=email) in visit.body
    visit.fill("home-signed-up", code=site.mailbox.code(email), password=password)
    assert visit.url == f"{site.base}/"
    assert visit.text("home.signed-in-as", email=email) in visit.body

    visit.click(visit.text("home.delete-account"), "delete-account")
    assert visit.text("delete.intro", days="7") in visit.body
    visit.press(visit.text("delete.submit"), "account-deleted")
    assert visit.text("notice.account-deleted") in visit.body
    assert site.sign_in(email, password).status_code == 400

    told = site.mailbox.messages(email)[-1]
    code = re.search(r"(?:enter this restore code|geben Sie diesen Code ein):\s+(\S+)", site.mailbox.text(told))[1]
    visit.get(f"{site.base}/delete-account/restore", "restore-account")
    visit.fill("account-restored", token=code)
    assert visit.text("notice.account-restored") in visit.body
    visit.fill("home-after-restore", username=email, password=password)
    assert visit.text("home.signed-in-as", email=email) in visit.body


@pytest.fixture(scope="module", params=["nginx", "lighttpd"])
def noticing(request, tmp_path_factory):
    """A site that tells owners of sign-ins from new devices, under nginx
    and one more server."""
    s = Stack(tmp_path_factory.mktemp("new-device-" + request.param), server=request.param, otp_send_cooldown=0,
              signin_redirect="/account/", new_device_notice="yes").start()
    yield s
    s.stop()


def test_a_sign_in_from_a_new_device_that_was_not_me(noticing, visit):
    """The account's usual device is a script; a sign-in in Chromium is a
    new one, and its owner is mailed. The mail's code, entered on the page
    it names, ends that session and asks for a new password."""
    site = noticing
    if site.server != "nginx" and visit.language != LANGUAGES[0]:
        pytest.skip("the second server in one language")
    email, password = site.add_user()
    site.token(email, password)
    visit.get(f"{site.base}/", "sign-in")
    visit.fill("home", username=email, password=password)
    told = site.mailbox.wait(email)[-1]
    text = site.mailbox.text(told)
    assert "Chrome" in text and "/account/sessions/not-me" in text
    code = re.search(r"(?:enter this code|geben Sie diesen Code ein):\s+(\S+)", text)[1]
    visit.get(f"{site.base}/sessions/not-me", "not-me")
    assert visit.text("notme.intro") in visit.body
    visit.fill("not-me-new-password", token=code)
    assert visit.url == f"{site.base}/change-password"
    visit.fill("not-me-password-set", new_password="mine again 2026", confirm_password="mine again 2026")
    assert visit.text("notice.password-reset") in visit.body
    visit.fill("home-after-not-me", username=email, password="mine again 2026")
    assert visit.text("home.signed-in-as", email=email) in visit.body
