"""The browser path: the sign-in form sets the session cookie with a 303;
cookie-authenticated writes need the CSRF token and an acceptable Origin."""
import re

import requests


def browser_sign_in(stack, email, password):
    s = requests.Session()
    r = s.post(f"{stack.base}/token", data={"grant_type": "password", "username": email, "password": password},
               headers={"Accept": "text/html,application/xhtml+xml", "Origin": f"http://127.0.0.1:{stack.port}",
                        "X-Forwarded-For": stack.client_ip()}, allow_redirects=False)
    return s, r


def test_form_get_shows_sign_in_page(stack):
    r = requests.get(f"{stack.base}/token", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert 'name="password" type="password"' in r.text


def test_form_sign_in_sets_cookie_and_redirects(stack, user):
    s, r = browser_sign_in(stack, *user)
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"]:
        assert attr in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    r = requests.get(f"{stack.base}/me", headers={"Cookie": f"gatehouse_session={token}"})
    assert r.status_code == 200
    assert r.json()["email"] == user[0]


def test_form_sign_in_failure_rerenders_form(stack, user):
    _, r = browser_sign_in(stack, user[0], "wrong-password")
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/html")
    assert "That address and password do not match an account." in r.text  # the page's words, not the API's
    assert "wrong-password" not in r.text
    assert f'value="{user[0]}"' in r.text


def test_cross_origin_form_sign_in_refused(stack, user):
    r = requests.post(f"{stack.base}/token", data={"username": user[0], "password": user[1]},
                      headers={"Accept": "text/html", "Origin": "https://evil.example"}, allow_redirects=False)
    assert r.status_code == 403


def cookie_header(r):
    return {"Cookie": "gatehouse_session=" + r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]}


def test_cookie_logout_needs_csrf_token(stack, user):
    _, r = browser_sign_in(stack, *user)
    cookie = cookie_header(r)
    origin = {"Origin": f"http://127.0.0.1:{stack.port}"}
    # No CSRF token: refused, session still alive.
    r = requests.post(f"{stack.base}/logout", headers={**cookie, **origin}, data={"x": "1"}, allow_redirects=False)
    assert r.status_code == 403
    assert requests.get(f"{stack.base}/me", headers=cookie).status_code == 200
    # Right token, wrong origin: refused.
    page = requests.get(f"{stack.base}/logout", headers={**cookie, "Accept": "text/html"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = requests.post(f"{stack.base}/logout", headers={**cookie, "Origin": "https://evil.example"},
                      data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 403
    # Both right: signed out, cookie cleared, 303 back to the sign-in form.
    r = requests.post(f"{stack.base}/logout", headers={**cookie, **origin}, data={"csrf_token": csrf},
                      allow_redirects=False)
    assert r.status_code == 303
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    assert requests.get(f"{stack.base}/me", headers=cookie).status_code == 401


def test_pages_use_the_site_owners_layout(make_stack, tmp_path):
    import shutil
    from conftest import ROOT
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "deploy" / "templates", templates)
    (templates / "html" / "layout.html").write_text(
        "<!doctype html><title>{{title}}</title><body class=acme><h2>ACME accounts</h2>{{{content}}}</body>")
    s = make_stack(templates_dir=str(templates))
    r = requests.get(f"{s.base}/token", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "<h2>ACME accounts</h2>" in r.text and 'name="password"' in r.text
    r = requests.post(f"{s.base}/token", data={"username": "a@example.com", "password": "wrong password"},
                      headers={"Accept": "text/html", "Origin": f"http://127.0.0.1:{s.port}"})
    assert r.status_code == 400 and "ACME accounts" in r.text
