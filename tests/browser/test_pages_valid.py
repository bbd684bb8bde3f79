"""Every page, as the responders send it, through HTML Tidy (Debian's
`tidy`, HTML5 rules): no errors and no warnings, in each shipped
language. The browser journeys check the same pages with axe-core."""
import re
import subprocess

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser.test_journeys import LANGUAGES
from conftest import Stack


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("pages"), otp_send_cooldown=0, signup_enabled="yes").start()
    yield s
    s.stop()


def signed_in(site, html, post, email, password):
    """A browser's session cookie (as a header) and its CSRF token."""
    r = requests.post(f"{site.base}/token", data={"username": email, "password": password}, headers=post,
                      allow_redirects=False)
    cookie = {"Cookie": r.headers["Set-Cookie"].split(";")[0]}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                     requests.get(f"{site.base}/logout", headers={**html, **cookie}).text).group(1)
    return cookie, csrf


def pages(site, language):
    """(name, response) for every kind of page a browser can be shown."""
    html = {"Accept": "text/html", "Accept-Language": language}
    post = {**html, "Origin": f"http://127.0.0.1:{site.port}"}
    email, password = site.add_user()
    cookie, csrf = signed_in(site, html, post, email, password)
    yield "sign-in", requests.get(f"{site.base}/token?rd=%2Faccount%2F&notice=signed-out", headers=html)
    yield "sign-in-error", requests.post(f"{site.base}/token", data={"username": email, "password": "wrong one"}, headers=post)
    yield "send-otp", requests.get(f"{site.base}/send-otp?purpose=reset", headers=html)
    yield "send-otp-error", requests.post(f"{site.base}/send-otp", data={"email": "not an address"}, headers=post)
    sent = requests.post(f"{site.base}/send-otp", data={"email": email, "purpose": "reset"}, headers=post, allow_redirects=False)
    yield "verify-otp", requests.get(f"http://127.0.0.1:{site.port}{sent.headers['Location']}", headers=html)
    yield "verify-otp-error", requests.post(f"{site.base}/verify-otp", data={"email": email, "code": "12", "purpose": "reset"},
                                            headers=post)
    yield "home", requests.get(f"{site.base}/?notice=password-changed", headers={**html, **cookie})
    yield "change-password", requests.get(f"{site.base}/change-password", headers={**html, **cookie})
    yield "change-password-error", requests.post(f"{site.base}/change-password", headers={**post, **cookie}, data={
        "csrf_token": csrf, "old_password": "x", "new_password": "y", "confirm_password": "z"})
    yield "sign-out", requests.get(f"{site.base}/logout", headers={**html, **cookie})
    yield "error", requests.delete(f"{site.base}/token", headers=html)
    # The code sent for the verify-otp page above.
    grant = requests.post(f"{site.base}/verify-otp", data={"email": email, "purpose": "reset", "code": site.mailbox.code(email)},
                          headers=post, allow_redirects=False)
    assert grant.status_code == 303, grant.text
    yield "new-password", requests.get(f"{site.base}/change-password",
                                       headers={**html, "Cookie": grant.headers["Set-Cookie"].split(";")[0]})
    yield from passkey_pages(site, html, post, email, password)
    yield from second_factor_pages(site, html, post)


def with_passkey(site, email, password):
    """A passkey registered to the account through the JSON API."""
    import softauthn
    token = {"Authorization": "Bearer " + site.token(email, password)}
    options = requests.post(f"{site.base}/passkeys/register/options", headers=token).json()
    response, cred = softauthn.create(options, site.webauthn_origin)
    assert requests.post(f"{site.base}/passkeys/register", json={**response, "name": "Laptop"}, headers=token).status_code == 200
    return cred


def passkey_pages(site, html, post, email, password):
    cred = with_passkey(site, email, password)
    cookie, csrf = signed_in(site, html, post, email, password)
    yield "passkeys", requests.get(f"{site.base}/passkeys?notice=passkey-added", headers={**html, **cookie})
    yield "passkeys-error", requests.post(f"{site.base}/passkeys/rename", headers={**post, **cookie},
                                          data={"csrf_token": csrf, "id": softauthn_id(cred), "name": "a\u0007b"})


def softauthn_id(cred):
    import softauthn
    return softauthn.b64url(cred.id)


def second_factor_pages(site, html, post):
    """The second factor's pages, for an account of their own."""
    import time
    import pyotp
    email, password = site.add_user()
    with_passkey(site, email, password)  # the second step offers it too
    cookie, csrf = signed_in(site, html, post, email, password)
    yield "mfa-off", requests.get(f"{site.base}/mfa", headers={**html, **cookie})
    setup = requests.post(f"{site.base}/mfa/totp/setup", data={"csrf_token": csrf}, headers={**post, **cookie})
    yield "mfa-setup", setup
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', setup.text).group(1).replace(" ", "")
    yield "mfa-setup-error", requests.post(f"{site.base}/mfa/totp/confirm", data={"csrf_token": csrf, "code": "000000"},
                                           headers={**post, **cookie})
    yield "recovery-codes", requests.post(f"{site.base}/mfa/totp/confirm", headers={**post, **cookie},
                                          data={"csrf_token": csrf, "code": pyotp.TOTP(secret).at(time.time() - 30)})
    yield "mfa-on", requests.get(f"{site.base}/mfa", headers={**html, **cookie})
    yield "reauth", requests.get(f"{site.base}/reauth?rd=%2Faccount%2Fmfa", headers={**html, **cookie})
    yield "reauth-error", requests.post(f"{site.base}/reauth", headers={**post, **cookie},
                                        data={"csrf_token": csrf, "password": "wrong one", "mfa_code": "000000"})
    yield "sessions", requests.get(f"{site.base}/sessions?notice=session-ended", headers={**html, **cookie})
    yield "change-email", requests.get(f"{site.base}/change-email", headers={**html, **cookie})
    yield "change-email-error", requests.post(f"{site.base}/change-email", data={"csrf_token": csrf, "new_email": "not one"},
                                              headers={**post, **cookie})
    yield "change-email-code", requests.get(f"{site.base}/verify-otp?purpose=change_email&email=new%40example.net",
                                            headers={**html, **cookie})
    yield "undo-email", requests.get(f"{site.base}/change-email/undo?token=abc", headers=html)
    yield "undo-email-error", requests.post(f"{site.base}/change-email/undo", data={"token": "abc"}, headers=post)
    yield "signup", requests.get(f"{site.base}/signup", headers=html)
    yield "signup-error", requests.post(f"{site.base}/signup", data={"email": "new@example.org", "password": "short",
                                                                     "confirm_password": "short"}, headers=post)
    yield "signup-code", requests.get(f"{site.base}/verify-otp?purpose=signup&email=new%40example.org", headers=html)
    yield "delete-account", requests.get(f"{site.base}/delete-account", headers={**html, **cookie})
    yield "restore-account", requests.get(f"{site.base}/delete-account/restore", headers=html)
    yield "restore-account-error", requests.post(f"{site.base}/delete-account/restore", data={"token": "abc"}, headers=post)
    yield "not-me", requests.get(f"{site.base}/sessions/not-me", headers=html)
    yield "not-me-error", requests.post(f"{site.base}/sessions/not-me", data={"token": "abc"}, headers=post)
    ticket = requests.post(f"{site.base}/token", data={"username": email, "password": password}, headers=post,
                           allow_redirects=False)
    step = {"Cookie": ticket.headers["Set-Cookie"].split(";")[0]}
    yield "second-step", requests.get(f"{site.base}/mfa", headers={**html, **step})
    yield "second-step-error", requests.post(f"{site.base}/mfa", data={"code": "000000"}, headers={**post, **step})


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_valid_html(site, language):
    names = []
    for name, r in pages(site, language):
        assert r.headers["Content-Type"] == "text/html; charset=utf-8", name
        assert f'<html lang="{language}" dir="ltr">' in r.text, name
        tidy = subprocess.run(["tidy", "-q", "-e", "-utf8"], input=r.text, capture_output=True, text=True)
        # Tidy 5.6's list of attributes predates HTML's inputmode (the digit
        # keyboard on phones); that one warning is Tidy's, not the page's.
        findings = [line for line in tidy.stderr.splitlines() if line and 'proprietary attribute "inputmode"' not in line]
        assert tidy.returncode in (0, 1) and findings == [], f"{name} ({language}):\n{tidy.stderr}\n{r.text}"
        # The one script, on the pages with a passkey form alone.
        scripted = name in {"sign-in", "sign-in-error", "passkeys", "passkeys-error", "second-step", "second-step-error"}
        assert ("script-src 'self'" in r.headers["Content-Security-Policy"]) == scripted, name
        assert ('data-webauthn=' in r.text and '/account/assets/webauthn.js' in r.text) == scripted, name
        names.append(name)
    assert len(names) == 37
