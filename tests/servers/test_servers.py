"""What matters to a user, under every way a site owner runs Gatehouse:
each server is started by the test from the files in deploy/ (paths
filled in by scripts/stack), once per module and server."""
import re
import secrets
import time

import pyotp
import pytest
import requests
from selenium.webdriver.common.by import By

from browser.chromium import browser, fill  # noqa: F401 (a fixture)
from conftest import Stack

SERVERS = ["nginx", "lighttpd", "lighttpd-cgi", "apache-cgi", "apache-fcgid"]


@pytest.fixture(scope="module", params=SERVERS)
def site(request, tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp(request.param), server=request.param, otp_send_cooldown=0,
              signup_enabled="yes").start()
    yield s
    s.stop()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_then_me(site):
    email, password = site.add_user()
    r = requests.get(f"{site.base}/me", headers=bearer(site.token(email, password)))
    assert r.status_code == 200 and r.json()["email"] == email
    assert r.headers["Cache-Control"] == "no-store"


def test_change_password(site):
    email, password = site.add_user()
    token = site.token(email, password)
    r = requests.post(f"{site.base}/change-password", headers=bearer(token),
                      json={"old_password": password, "new_password": "quiet meadow 42", "confirm_password": "quiet meadow 42"})
    assert r.status_code == 200 and r.json() == {"msg": "Password changed successfully"}
    assert site.sign_in(email, "quiet meadow 42").status_code == 200


def test_send_and_verify_a_code_with_real_mail(site):
    email, _ = site.add_user()
    assert site.send_code(email, purpose="reset").status_code == 200
    code = site.mailbox.code(email)
    r = requests.post(f"{site.base}/verify-otp", json={"email": email, "code": code, "purpose": "reset"})
    assert r.status_code == 200 and "reset_token" in r.json()


def test_browser_form_post_with_its_cookie(site):
    email, password = site.add_user()
    r = requests.post(f"{site.base}/token", data={"grant_type": "password", "username": email, "password": password},
                      headers={"Accept": "text/html", "Origin": f"http://127.0.0.1:{site.port}"}, allow_redirects=False)
    assert r.status_code == 303
    cookie = re.match(r"gatehouse_session=([^;]+)", r.headers["Set-Cookie"]).group(1)
    r = requests.get(f"{site.base}/me", headers={"Cookie": f"gatehouse_session={cookie}"})
    assert r.status_code == 200 and r.json()["email"] == email


def test_the_second_factor_and_its_actions(site):
    """/mfa and the actions below it reach their responder under every
    server (a path below a program's name: PATH_INFO under CGI)."""
    email, password = site.add_user()
    token = site.token(email, password)
    r = requests.get(f"{site.base}/mfa", headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"totp": False, "recovery_codes_left": 0}, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/mfa/totp/setup", headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    totp = pyotp.TOTP(r.json()["secret"])
    r = requests.post(f"{site.base}/mfa/totp/confirm", json={"code": totp.at(time.time() - 30)}, headers=bearer(token))
    assert r.status_code == 200 and len(r.json()["recovery_codes"]) == 10
    r = requests.post(f"{site.base}/mfa/recovery-codes", headers=bearer(token))
    assert r.status_code == 200 and len(r.json()["recovery_codes"]) == 10
    recovery = r.json()["recovery_codes"]
    assert site.sign_in(email, password).status_code == 403
    r = requests.post(f"{site.base}/token", data={"username": email, "password": password, "mfa_code": recovery[0]})
    assert r.status_code == 200
    r = requests.post(f"{site.base}/reauth", json={"password": password, "mfa_code": recovery[1]}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["msg"] == "Reauthenticated"
    r = requests.post(f"{site.base}/mfa/totp/disable", headers=bearer(token))
    assert r.status_code == 200
    assert requests.post(f"{site.base}/mfa/totp/nothing", headers=bearer(token)).status_code == 404
    r = requests.get(f"{site.base}/mfa", headers={**bearer(token), "Accept": "text/html"})
    assert r.status_code == 200 and "<form" in r.text


def test_the_sessions_list_and_ending_the_others(site):
    email, password = site.add_user()
    other, token = site.token(email, password), site.token(email, password)
    r = requests.get(f"{site.base}/sessions", headers=bearer(token))
    assert r.status_code == 200 and [s["current"] for s in r.json()["sessions"]] == [True, False], (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/sessions/revoke", json={"others": True}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["ended"] == 1, (r.status_code, r.text[:300])
    assert requests.get(f"{site.base}/me", headers=bearer(other)).status_code == 401


def test_passkeys_and_their_script(site):
    """/passkeys and the paths below it reach their responder under every
    server (CGI included), and the passkey script is served as a file."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import softauthn
    email, password = site.add_user()
    token = site.token(email, password)
    options = requests.post(f"{site.base}/passkeys/register/options", headers=bearer(token))
    assert options.status_code == 200, (options.status_code, options.text[:300])
    response, cred = softauthn.create(options.json(), site.webauthn_origin)
    r = requests.post(f"{site.base}/passkeys/register", json=response, headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    login = softauthn.get(requests.post(f"{site.base}/passkeys/login/options").json(), site.webauthn_origin, cred)
    r = requests.post(f"{site.base}/passkeys/login", json=login)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/passkeys/rename", json={"id": softauthn.b64url(cred.id), "name": "Key"}, headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/passkeys/remove", json={"id": softauthn.b64url(cred.id)}, headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert requests.get(f"{site.base}/passkeys", headers=bearer(token)).json() == {"passkeys": []}
    r = requests.get(f"{site.base}/assets/webauthn.js")
    assert r.status_code == 200 and "javascript" in r.headers["Content-Type"] and "navigator.credentials" in r.text, r.headers


def test_error_shapes(site):
    r = requests.get(f"{site.base}/me")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json() == {"detail": "Not authenticated"}
    r = requests.delete(f"{site.base}/me")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    r = requests.post(f"{site.base}/send-otp", data="x" * 20000, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "detail" in r.json()
    r = requests.post(f"{site.base}/send-otp", data="email=a", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = requests.post(f"{site.base}/send-otp", params={"email": "not-an-address"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "email"]


def test_the_sign_in_form_in_a_real_browser(site, browser):
    """Debian's chromium: the account home sends it to sign in and back,
    styled by the stylesheet the server serves, under every server."""
    email, password = site.add_user()
    browser.get(f"{site.base}/")
    assert "/account/token?rd=" in browser.current_url
    fill(browser, username=email, password=password)
    assert browser.current_url == f"{site.base}/"
    assert f"Signed in as {email}" in browser.find_element(By.TAG_NAME, "body").text
    # The theme applied: the stylesheet loaded under the strict CSP.
    assert browser.execute_script("return getComputedStyle(document.querySelector('main')).maxWidth") == "448px"


def test_the_stylesheet_and_the_account_home(site):
    r = requests.get(f"{site.base}/assets/gatehouse.css")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css"), r.headers
    assert "prefers-color-scheme: dark" in r.text
    r = requests.get(f"{site.base}/", headers={"Accept": "text/html"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/account/token?rd=%2Faccount%2F"
    email, password = site.add_user()
    r = requests.get(f"{site.base}/", headers=bearer(site.token(email, password)))
    assert r.status_code == 200 and r.json()["email"] == email


def test_the_api_description(site):
    r = requests.get(f"{site.base}/openapi.json")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json", (r.status_code, r.text[:300])
    doc = r.json()
    assert doc["openapi"] == "3.1.0" and doc["servers"][0]["url"] == "/account"
    assert {"/token", "/me", "/change-password", "/send-otp", "/verify-otp", "/logout"} <= set(doc["paths"])


def test_trace_echoes_no_credentials(site):
    """Apache and nginx would otherwise answer TRACE themselves; Apache by
    echoing the request, Authorization header included."""
    r = requests.request("TRACE", f"{site.base}/me", headers={"Authorization": "Bearer do-not-echo-me"})
    assert r.status_code == 405 and "do-not-echo-me" not in r.text, (r.status_code, r.text[:200])
    if not site.server.startswith("apache"):
        # Apache's own 405 names no method; the others answer as the responders do.
        assert r.headers["Allow"] == "GET" and r.json() == {"detail": "Method Not Allowed"}


def test_a_new_address_and_its_undo(site):
    """/change-email and /change-email/undo reach their responder under
    every server (CGI included): the change, the old address's mail, the
    undo and the new password it asks for."""
    email, password = site.add_user()
    token = site.token(email, password)
    new = "moved-" + email
    r = requests.post(f"{site.base}/change-email", json={"new_email": new}, headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/verify-otp", json={"email": new, "code": site.mailbox.code(new), "purpose": "change_email"},
                      headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    told = site.mailbox.text(site.mailbox.wait(email, 1)[-1])
    undo = re.search(r"enter this undo code:\s+(\S+)", told)[1]
    r = requests.post(f"{site.base}/change-email/undo", json={"token": undo})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/change-password", headers=bearer(r.json()["reset_token"]),
                      json={"new_password": "undone and new 7", "confirm_password": "undone and new 7"})
    assert r.status_code == 200 and site.sign_in(email, "undone and new 7").status_code == 200


def test_signing_up_exporting_leaving_and_coming_back(site):
    """/signup, /export, /delete-account and /delete-account/restore reach
    their responders under every server (CGI included): an account made by
    its code, its data downloaded, deleted and restored."""
    email, password = f"joined-{secrets.token_hex(4)}@example.org", "a long enough passphrase"
    r = requests.post(f"{site.base}/signup", json={"email": email, "password": password})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/verify-otp", json={"email": email, "code": site.mailbox.code(email), "purpose": "signup",
                                                       "password": password})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    token = r.json()["access_token"]
    r = requests.get(f"{site.base}/export", headers=bearer(token))
    assert r.status_code == 200 and r.json()["account"]["email"] == email, (r.status_code, r.text[:300])
    r = requests.post(f"{site.base}/delete-account", headers=bearer(token))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert site.sign_in(email, password).status_code == 400
    code = re.search(r"enter this restore code:\s+(\S+)", site.mailbox.text(site.mailbox.wait(email, 2)[-1]))[1]
    r = requests.post(f"{site.base}/delete-account/restore", json={"token": code})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert site.sign_in(email, password).status_code == 200


def test_a_new_device_and_not_me_under_lighttpd(tmp_path_factory):
    """/sessions/not-me reaches the sessions responder under a second
    server: a new device's mail, its code, the session ended, a grant."""
    # A short directory: a Unix socket's path has room for 107 bytes.
    s = Stack(tmp_path_factory.mktemp("nd"), server="lighttpd", new_device_notice="yes").start()
    try:
        email, password = s.add_user()
        s.sign_in(email, password, ip="198.51.100.7")
        r = s.sign_in(email, password, ip="203.0.113.5")
        assert r.status_code == 200, r.text
        code = re.search(r"enter this code:\s+(\S+)", s.mailbox.text(s.mailbox.wait(email)[-1]))[1]
        done = requests.post(f"{s.base}/sessions/not-me", json={"token": code})
        assert done.status_code == 200 and done.json()["reset_token"], (done.status_code, done.text[:300])
        assert requests.get(f"{s.base}/me", headers=bearer(r.json()["access_token"])).status_code == 401
    finally:
        s.stop()
