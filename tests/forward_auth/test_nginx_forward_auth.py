"""verify behind nginx's auth_request: any other location of the server is
protected by one sign-in (deploy/nginx/forward-auth.conf, the demo
locations of the test server: /private/ static, /private/app and
/step-up/app a FastCGI application that prints what it is told)."""
import re
import subprocess
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from conftest import ROOT, Stack


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("forward-auth")
    app = var / "demo-app"
    subprocess.run(["cc", "-O2", "-o", app, ROOT / "tests" / "forward_auth" / "demo_app.c", "-lfcgi"], check=True)
    s = Stack(var, otp_send_cooldown=0).start()
    subprocess.run(["spawn-fcgi", "-s", var / "run" / "demo-app.sock", "-P", var / "run" / "demo-app.pid", "--", app],
                   check=True, capture_output=True)
    yield s
    subprocess.run(["sh", "-c", f"kill $(cat {var}/run/demo-app.pid)"], check=False)
    s.stop()


def origin(site):
    return f"http://127.0.0.1:{site.port}"


def browser_cookie(site, email, password, rd=None):
    data = {"grant_type": "password", "username": email, "password": password}
    if rd:
        data["rd"] = rd
    r = requests.post(f"{site.base}/token", data=data, headers={"Accept": "text/html", "Origin": origin(site)},
                      allow_redirects=False)
    assert r.status_code == 303, r.text
    return r, {"Cookie": r.headers["Set-Cookie"].split(";")[0]}


def test_not_signed_in_is_sent_to_sign_in_with_the_way_back(site):
    r = requests.get(f"{origin(site)}/private/index.html?a=1&b=2", allow_redirects=False)
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{site.base}/token"
    assert parse_qs(location.query)["rd"] == [f"{origin(site)}/private/index.html?a=1&b=2"]
    # The sign-in form carries rd, and after signing in the browser is back.
    form = requests.get(r.headers["Location"], headers={"Accept": "text/html"})
    rd = re.search(r'type="hidden" name="rd" value="([^"]+)"', form.text).group(1).replace("&amp;", "&")
    email, password = site.add_user()
    signed_in, cookie = browser_cookie(site, email, password, rd=rd)
    assert signed_in.headers["Location"] == f"{origin(site)}/private/index.html?a=1&b=2"
    page = requests.get(signed_in.headers["Location"], headers=cookie)
    assert page.status_code == 200 and "Only for signed-in people" in page.text


def test_the_application_sees_the_user_and_never_a_forged_one(site):
    email, password = site.add_user()
    _, cookie = browser_cookie(site, email, password)
    r = requests.get(f"{origin(site)}/private/app", headers={**cookie, "Remote-User": "admin@example.com"})
    assert r.status_code == 200
    assert f"REMOTE_USER={email}\n" in r.text
    assert "REMOTE_USER=admin@example.com" not in r.text.split("HTTP_REMOTE_USER")[0]
    # A forged header with no session gets nowhere near the application.
    r = requests.get(f"{origin(site)}/private/app", headers={"Remote-User": email}, allow_redirects=False)
    assert r.status_code == 302


def test_any_method_reaches_the_application_and_bearer_tokens_work(site):
    email, password = site.add_user()
    _, cookie = browser_cookie(site, email, password)
    # A POST with a body, no CSRF token, no Origin: the application owns its forms.
    r = requests.post(f"{origin(site)}/private/app", headers=cookie, data={"anything": "x"})
    assert r.status_code == 200 and "METHOD=POST" in r.text
    token = site.token(email, password)
    r = requests.put(f"{origin(site)}/private/app", headers={"Authorization": f"Bearer {token}"}, data=b"{}")
    assert r.status_code == 200 and f"REMOTE_USER={email}" in r.text


def test_a_step_up_policy_sends_the_user_through_the_code_pages(site):
    email, password = site.add_user()
    token = site.token(email, password)
    r = requests.get(f"{origin(site)}/step-up/app", headers={"Authorization": f"Bearer {token}"}, allow_redirects=False)
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/account/send-otp" and parse_qs(location.query)["rd"] == [f"{origin(site)}/step-up/app"]
    site.send_code(email, purpose="verify", headers={"Authorization": f"Bearer {token}"})
    code = site.mailbox.code(email)
    assert requests.post(f"{site.base}/verify-otp", json={"code": code}, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = requests.get(f"{origin(site)}/step-up/app", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and f"REMOTE_USER={email}" in r.text


def test_logout_protects_again(site):
    email, password = site.add_user()
    token = site.token(email, password)
    assert requests.get(f"{origin(site)}/private/app", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    requests.post(f"{site.base}/logout", headers={"Authorization": f"Bearer {token}"})
    r = requests.get(f"{origin(site)}/private/app", headers={"Authorization": f"Bearer {token}"}, allow_redirects=False)
    assert r.status_code == 302


@pytest.mark.parametrize("rd", [
    "https://evil.example/", "//evil.example/x", "\\\\evil.example", "/\\evil.example", "javascript:alert(1)",
    "http://127.0.0.1.evil.example/", "http://user@evil.example/", "https:evil.example", " https://evil.example",
    "http://evil.example%2f@127.0.0.1/",
])
def test_open_redirects_are_refused(site, rd):
    email, password = site.add_user()
    r, _ = browser_cookie(site, email, password, rd=rd)
    assert r.headers["Location"] == "/"  # signin_redirect, not the attacker's target


def test_verify_itself_is_not_reachable_from_outside(site):
    assert requests.get(f"{origin(site)}/internal/gatehouse/verify").status_code == 404
    assert requests.get(f"{site.base}/verify").status_code == 404
