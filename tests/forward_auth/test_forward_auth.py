"""Forward auth: one sign-in protects other parts of the same server, under
each way a server asks `verify` (deploy/*/forward-auth*.conf, the demo
locations scripts/stack sets up): nginx's auth_request, lighttpd's FastCGI
authorizer, Apache's mod_fcgid access checker and mod_authnz_fcgi. The
protected parts: static pages under /private/, and the demo application
deploy/demo/whoami (which prints what the server tells it) at /private/app
(signed in), /verified/app (verified-email), /step-up/app (otp:600),
/second-factor/app (mfa) and /passkey/app (passkey)."""
import html
import re
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests
from selenium.webdriver.common.by import By

from browser.chromium import browser, fill, start_chromium  # noqa: F401 (a fixture)
from conftest import Stack

SERVERS = ["nginx", "lighttpd", "apache-fcgid", "apache-authnz"]


@pytest.fixture(scope="module", params=SERVERS)
def site(request, tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp(request.param), server=request.param, otp_send_cooldown=0).start()
    s.origin = f"http://127.0.0.1:{s.port}"
    yield s
    s.stop()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def hidden_rd(page):
    return html.unescape(re.search(r'type="hidden" name="rd" value="([^"]+)"', page).group(1))


def sent_to_sign_in(site, r):
    """The return URL a refused visitor is sent to sign in with. A redirect
    under every server but mod_fcgid, which answers 401 with its
    ErrorDocument: the sign-in form itself, in place."""
    if site.server == "apache-fcgid":
        assert r.status_code == 401, r.text
        assert 'name="password"' in r.text
        return hidden_rd(r.text)
    assert r.status_code == 302, r.text
    location = urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{site.base}/token"
    return parse_qs(location.query)["rd"][0]


def sent_to_step_up(site, r):
    assert r.status_code in (302, 303), r.text  # 303: mod_fcgid's sign-in form sends a signed-in visitor on
    location = urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{site.base}/send-otp"
    query = parse_qs(location.query)
    assert query["purpose"] == ["verify"]
    return query["rd"][0]


def browser_sign_in(site, email, password, rd=None):
    data = {"grant_type": "password", "username": email, "password": password, **({"rd": rd} if rd else {})}
    r = requests.post(f"{site.base}/token", data=data, headers={"Accept": "text/html", "Origin": site.origin},
                      allow_redirects=False)
    assert r.status_code == 303, r.text
    return r, {"Cookie": r.headers["Set-Cookie"].split(";")[0]}


def test_not_signed_in_is_sent_to_sign_in_and_back(site):
    r = requests.get(f"{site.origin}/private/index.html?a=1&b=%2F", allow_redirects=False)
    rd = sent_to_sign_in(site, r)
    assert rd == f"{site.origin}/private/index.html?a=1&b=%2F"
    # The form carries rd; signing in brings the browser back to it.
    form = requests.get(f"{site.base}/token", params={"rd": rd}, headers={"Accept": "text/html"})
    assert hidden_rd(form.text) == rd
    email, password = site.add_user()
    signed_in, cookie = browser_sign_in(site, email, password, rd=rd)
    assert signed_in.headers["Location"] == rd
    page = requests.get(rd, headers=cookie)
    assert page.status_code == 200 and "Only for signed-in people" in page.text


# What a client sends to pass for someone: the identity headers of
# Gatehouse, Authelia, oauth2-proxy and Grafana, and a Forwarded of its own.
FORGED = {"Remote-User": "admin@example.com", "Remote-Email": "admin@example.com", "Remote-Email-Verified": "true",
          "Remote-Groups": "admins", "Remote-Name": "Administrator", "X-Forwarded-User": "admin",
          "X-Forwarded-Email": "admin@example.com", "X-Forwarded-Preferred-Username": "admin",
          "X-Forwarded-Groups": "admins", "X-Auth-Request-User": "admin", "X-Auth-Request-Email": "admin@example.com",
          "X-Auth-Request-Preferred-Username": "admin", "X-Auth-Request-Groups": "admins", "X-Remote-User": "admin",
          "X-WEBAUTH-USER": "admin", "Forwarded": 'for=192.0.2.1;remote_user="admin@example.com"'}


def test_the_application_sees_the_user_and_never_a_forged_one(site):
    email, password = site.add_user()
    _, cookie = browser_sign_in(site, email, password)
    r = requests.get(f"{site.origin}/private/app", headers={**cookie, **FORGED})
    assert r.status_code == 200
    assert f"REMOTE_USER={email}\n" in r.text
    assert "GATEHOUSE_EMAIL_VERIFIED=false\n" in r.text
    assert "Variable-REMOTE_USER" not in r.headers
    # Nothing the client forged reached the application, under any name, and
    # REMOTE_USER came once (an application that keeps the last of two would
    # otherwise see nginx's Basic-auth user instead).
    assert "admin" not in r.text.lower(), r.text
    assert "REMOTE_USER_SENT=1\n" in r.text, r.text
    # With no session, a forged header gets nowhere near the application.
    r = requests.get(f"{site.origin}/private/app", headers={"Remote-User": email, "Variable-REMOTE_USER": email},
                     allow_redirects=False)
    sent_to_sign_in(site, r)
    assert "REMOTE_USER=" not in r.text


def echoed(r):
    """The request headers the proxied demo application got, by name."""
    seen = {}
    for line in r.text.splitlines():
        name, sep, value = line.partition(": ")
        if sep:
            seen.setdefault(name.lower(), []).append(value)
    return seen


def test_a_proxied_application_hears_only_what_verify_said(site):
    """An application behind the server's HTTP proxy (echo-headers): the
    identity comes from verify's answer; every identity header the client
    sent is gone, the verified flag included."""
    email, password = site.add_user()
    _, cookie = browser_sign_in(site, email, password)
    for auth in (cookie, bearer(site.token(email, password))):
        r = requests.get(f"{site.origin}/proxied/app", headers={**auth, **FORGED})
        assert r.status_code == 200 and "METHOD=GET" in r.text, r.text
        seen = echoed(r)
        assert "admin" not in r.text.lower(), r.text
        if site.server == "lighttpd":
            # mod_proxy passes no variables: the user is in lighttpd's own Forwarded, the only one.
            assert len(seen["forwarded"]) == 1 and seen["forwarded"][0].endswith(f'remote_user="{email}"'), seen
            assert "remote-user" not in seen
        else:
            assert seen["remote-user"] == [email] and seen["remote-email"] == [email], seen
            assert seen["remote-email-verified"] == ["false"], seen
    # Without a session the forged headers get nowhere near it.
    r = requests.get(f"{site.origin}/proxied/app", headers=FORGED, allow_redirects=False)
    sent_to_sign_in(site, r)
    assert "admin" not in r.text.lower()


# Names that are none of the identity headers but that some software reads
# as them: "_" or "." for "-".
LOOKALIKES = {"Remote_User": "admin@example.com", "Remote.Groups": "admins", "X_Forwarded_User": "admin"}


def test_lookalike_header_names_never_reach_a_fastcgi_application(site):
    """nginx drops header names with "_" or "." (underscores_in_headers off,
    ignore_invalid_headers on: keep them so) and Apache leaves them out of
    CGI and FastCGI variables. lighttpd turns any such name into an HTTP_
    variable (Remote.Groups is HTTP_REMOTE_GROUPS) and cannot be told not
    to without Lua: there an application reads REMOTE_USER alone
    (docs/security.md)."""
    if site.server == "lighttpd":
        pytest.skip("lighttpd maps every header name onto HTTP_*; see docs/security.md")
    email, password = site.add_user()
    _, cookie = browser_sign_in(site, email, password)
    r = requests.get(f"{site.origin}/private/app", headers={**cookie, **LOOKALIKES})
    assert r.status_code == 200 and f"REMOTE_USER={email}\n" in r.text
    assert "admin" not in r.text.lower(), r.text
    if site.server == "nginx":
        r = requests.get(f"{site.origin}/proxied/app", headers={**cookie, **LOOKALIKES})
        assert r.status_code == 200 and "admin" not in r.text.lower(), r.text


def test_a_regex_location_cannot_take_a_protected_path_past_verify(site):
    """`location ^~` in the nginx recipe: a `\\.php$` location of the same
    server would otherwise serve /proxied/x.php with no auth_request."""
    r = requests.get(f"{site.origin}/proxied/x.php", headers=FORGED, allow_redirects=False)
    assert sent_to_sign_in(site, r) == f"{site.origin}/proxied/x.php"


def test_any_method_reaches_the_application_and_bearer_tokens_work(site):
    email, password = site.add_user()
    _, cookie = browser_sign_in(site, email, password)
    # A POST with a body, no CSRF token, no Origin: the application owns its forms.
    r = requests.post(f"{site.origin}/private/app", headers=cookie, data={"anything": "x"})
    assert r.status_code == 200 and "METHOD=POST" in r.text and f"REMOTE_USER={email}" in r.text
    token = site.token(email, password)
    r = requests.put(f"{site.origin}/private/app", headers=bearer(token), data=b"{}")
    assert r.status_code == 200 and "METHOD=PUT" in r.text and f"REMOTE_USER={email}" in r.text
    r = requests.get(f"{site.origin}/private/app", headers=bearer("not-a-token"), allow_redirects=False)
    sent_to_sign_in(site, r)


@pytest.mark.parametrize("location", ["/step-up/app", "/verified/app"])
def test_a_stricter_policy_sends_the_user_through_the_code_pages(site, location):
    email, password = site.add_user()
    token = site.token(email, password)
    r = requests.get(f"{site.origin}{location}", headers=bearer(token), allow_redirects=False)
    assert sent_to_step_up(site, r) == f"{site.origin}{location}"
    site.send_code(email, purpose="verify", headers=bearer(token))
    r = requests.post(f"{site.base}/verify-otp", json={"code": site.mailbox.code(email)}, headers=bearer(token))
    assert r.status_code == 200
    r = requests.get(f"{site.origin}{location}", headers=bearer(token))
    assert r.status_code == 200 and f"REMOTE_USER={email}" in r.text and "GATEHOUSE_EMAIL_VERIFIED=true" in r.text


def test_the_mfa_policy_sends_a_session_without_a_second_factor_to_reauth(site):
    """The policy mfa in each server's recipe (under mod_fcgid through the
    sign-in form, which reads the refused location's policy from Apache):
    an account without a second factor is sent to turn it on (to
    re-authenticate would only loop), and gets through once it has; a
    session of an enrolled account that proved no second factor is sent to
    re-enter the password and the code."""
    email, password = site.add_user()
    token = site.token(email, password)
    other = site.token(email, password)

    def refused(token):
        r = requests.get(f"{site.origin}/second-factor/app", headers=bearer(token), allow_redirects=False)
        assert r.status_code in (302, 303), r.text
        return urlsplit(r.headers["Location"])

    location = refused(token)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{site.base}/mfa"
    assert parse_qs(location.query) == {"notice": ["mfa-needed"]}
    secret = requests.post(f"{site.base}/mfa/totp/setup", headers=bearer(token)).json()["secret"]
    code = pyotp.TOTP(secret).now()
    assert requests.post(f"{site.base}/mfa/totp/confirm", json={"code": code}, headers=bearer(token)).status_code == 200
    r = requests.get(f"{site.origin}/second-factor/app", headers=bearer(token))
    assert r.status_code == 200 and f"REMOTE_USER={email}" in r.text
    location = refused(other)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{site.base}/reauth"
    assert parse_qs(location.query)["rd"] == [f"{site.origin}/second-factor/app"]


def test_the_passkey_policy_lets_through_only_a_session_that_used_one(site):
    """The policy passkey in each server's recipe: a session signed in with
    a password is sent to the sign-in page (which offers the passkey; under
    mod_fcgid that page in place), and one signed in with a passkey gets
    through."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import softauthn
    email, password = site.add_user()
    token = site.token(email, password)
    # No passkey yet: to the page that adds one (the sign-in page would loop).
    r = requests.get(f"{site.origin}/passkey/app", headers=bearer(token), allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    assert r.headers["Location"] == f"{site.base}/passkeys?notice=passkey-needed"
    options = requests.post(f"{site.base}/passkeys/register/options", headers=bearer(token)).json()
    response, cred = softauthn.create(options, site.webauthn_origin)
    assert requests.post(f"{site.base}/passkeys/register", json=response, headers=bearer(token)).status_code == 200
    r = requests.get(f"{site.origin}/passkey/app", headers=bearer(token), allow_redirects=False)
    assert sent_to_sign_in(site, r) == f"{site.origin}/passkey/app"
    assert site.server != "apache-fcgid" or "data-webauthn" in r.text
    login = softauthn.get(requests.post(f"{site.base}/passkeys/login/options").json(), site.webauthn_origin, cred)
    by_passkey = requests.post(f"{site.base}/passkeys/login", json=login).json()["access_token"]
    r = requests.get(f"{site.origin}/passkey/app", headers=bearer(by_passkey))
    assert r.status_code == 200 and f"REMOTE_USER={email}" in r.text


def test_not_signed_in_at_a_stricter_location_signs_in_first(site):
    r = requests.get(f"{site.origin}/step-up/app", allow_redirects=False)
    assert sent_to_sign_in(site, r) == f"{site.origin}/step-up/app"


def test_logout_protects_again(site):
    email, password = site.add_user()
    token = site.token(email, password)
    assert requests.get(f"{site.origin}/private/app", headers=bearer(token)).status_code == 200
    assert requests.post(f"{site.base}/logout", headers=bearer(token)).status_code == 200
    r = requests.get(f"{site.origin}/private/app", headers=bearer(token), allow_redirects=False)
    sent_to_sign_in(site, r)


def test_verify_itself_is_not_reachable_from_outside(site):
    email, password = site.add_user()
    token = site.token(email, password)
    for url in [f"{site.base}/verify", f"{site.origin}/internal/gatehouse/verify"]:
        r = requests.get(url, headers=bearer(token))
        assert r.status_code in (403, 404), (url, r.status_code)
        assert email not in r.text and "Remote-User" not in r.headers


def test_the_journey_in_a_real_browser(site, browser):
    """Chromium, by clicking: a protected page sends it to sign in and back;
    a stricter location through the code pages and back; after signing out
    the page is protected again."""
    email, password = site.add_user()
    browser.get(f"{site.origin}/private/app")
    fill(browser, username=email, password=password)
    assert browser.current_url == f"{site.origin}/private/app"
    assert f"REMOTE_USER={email}\n" in browser.find_element(By.TAG_NAME, "body").text + "\n"

    browser.get(f"{site.origin}/step-up/app")
    assert "/account/send-otp" in browser.current_url
    assert browser.find_element(By.NAME, "email").get_attribute("value") == email
    fill(browser)
    assert "/account/verify-otp" in browser.current_url
    fill(browser, code=site.mailbox.code(email))
    assert browser.current_url == f"{site.origin}/step-up/app"
    assert f"REMOTE_USER={email}" in browser.find_element(By.TAG_NAME, "body").text
    browser.get(f"{site.origin}/verified/app")  # the code verified the address too
    assert "GATEHOUSE_EMAIL_VERIFIED=true" in browser.find_element(By.TAG_NAME, "body").text

    browser.get(f"{site.base}/logout")
    fill(browser)
    browser.get(f"{site.origin}/private/app")
    assert browser.find_elements(By.NAME, "password"), browser.page_source


def test_one_session_for_the_subdomains(tmp_path):
    """cookie_domain and public_origin: Gatehouse's pages on www., the
    protected application on wiki. (both names resolve to this machine in
    chromium). Signing in on www brings the browser back to wiki, signed in
    there too; signing out on www protects wiki again."""
    s = Stack(tmp_path / "subdomains", cookie_domain="gatehouse.test")
    www, wiki = f"http://www.gatehouse.test:{s.port}", f"http://wiki.gatehouse.test:{s.port}"
    with open(s.config, "a") as conf:
        conf.write(f"public_origin = {www}\n")
    s.start()
    # The session cookie is Secure; chromium keeps it over plain HTTP only
    # for origins it is told to treat as secure.
    browser = start_chromium("--host-resolver-rules=MAP *.gatehouse.test 127.0.0.1",
                             f"--unsafely-treat-insecure-origin-as-secure={www},{wiki}")
    try:
        email, password = s.add_user()
        browser.get(f"{wiki}/private/app")
        assert browser.current_url.startswith(f"{www}/account/token?rd=")
        fill(browser, username=email, password=password)
        assert browser.current_url == f"{wiki}/private/app"
        assert f"REMOTE_USER={email}" in browser.find_element(By.TAG_NAME, "body").text
        assert [c["domain"] for c in browser.get_cookies()] == [".gatehouse.test"]
        browser.get(f"{www}/account/logout")
        fill(browser)
        assert browser.get_cookies() == []
        browser.get(f"{wiki}/private/app")
        assert browser.current_url.startswith(f"{www}/account/token?rd=")
    finally:
        browser.quit()
        s.stop()


@pytest.mark.parametrize("rd", [
    "https://evil.example/", "//evil.example/x", "\\\\evil.example", "/\\evil.example", "javascript:alert(1)",
    "http://127.0.0.1.evil.example/", "http://user@evil.example/", "https:evil.example", " https://evil.example",
    "http://evil.example%2f@127.0.0.1/", "%2F%2Fevil.example", "/\t/evil.example", "data:text/html,x",
])
def test_open_redirects_are_refused(stack, rd):
    """The sign-in form is the same program under every server: nginx only."""
    stack.origin = f"http://127.0.0.1:{stack.port}"
    email, password = stack.add_user()
    r, _ = browser_sign_in(stack, email, password, rd=rd)
    assert r.headers["Location"] == "/"  # signin_redirect, not the attacker's target
    form = requests.get(f"{stack.base}/token", params={"rd": rd}, headers={"Accept": "text/html"})
    assert 'name="rd"' not in form.text
