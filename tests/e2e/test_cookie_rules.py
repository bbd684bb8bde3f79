"""Cookies and cross-site posts (docs/security.md, "Cookies and cross-site
posts"): the reset-grant cookie never overrides a session, needs its CSRF
token, and cannot be planted from another site; a session cookie that no
longer works is treated as none, never a 401, on the code pages. Its
`__Host-` prefix over HTTPS is tested in process (GatehouseEndpointsTests):
the test nginx serves plain HTTP."""
import re

import requests

from test_browser_session import browser_sign_in, cookie_header

HTML = {"Accept": "text/html,application/xhtml+xml"}


def origin(stack):
    return {"Origin": f"http://127.0.0.1:{stack.port}"}


def reset_cookie_for(stack, email):
    """A browser's way to a reset grant: code by mail, the form posted."""
    ip = stack.client_ip()
    count = len(stack.mailbox.messages(email)) + 1
    stack.send_code(email, purpose="reset", ip=ip)
    code = stack.mailbox.code(email, count=count)
    r = requests.post(f"{stack.base}/verify-otp", data={"email": email, "code": code, "purpose": "reset"},
                      headers={**HTML, **origin(stack), "X-Forwarded-For": ip}, allow_redirects=False)
    assert r.status_code == 303, r.text
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("gatehouse_session_reset=") and "Path=/;" in cookie and "SameSite=Strict" in cookie
    return cookie.split(";")[0]


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_planted_reset_cookie_never_overrides_the_victims_session(make_stack):
    s = make_stack(otp_send_cooldown=0)
    attacker, _ = s.add_user()
    victim, victim_password = s.add_user()
    planted = reset_cookie_for(s, attacker)
    _, signed_in = browser_sign_in(s, victim, victim_password)
    cookies = {"Cookie": cookie_header(signed_in)["Cookie"] + "; " + planted}
    page = requests.get(f"{s.base}/change-password", headers={**HTML, **cookies})
    assert "Current password" in page.text and attacker not in page.text
    r = requests.post(f"{s.base}/change-password", headers={**HTML, **cookies, **origin(s)},
                      data={"csrf_token": csrf_of(page), "old_password": victim_password,
                            "new_password": "the victim chose this", "confirm_password": "the victim chose this"},
                      allow_redirects=False)
    assert r.status_code == 303
    assert s.sign_in(victim, "the victim chose this").status_code == 200
    assert s.sign_in(attacker, "the victim chose this").status_code == 400


def test_the_reset_cookie_needs_its_csrf_token_and_names_the_account(make_stack):
    s = make_stack(otp_send_cooldown=0)
    email, _ = s.add_user()
    cookie = {"Cookie": reset_cookie_for(s, email)}
    page = requests.get(f"{s.base}/change-password", headers={**HTML, **cookie})
    assert email in page.text and "Current password" not in page.text
    fields = {"new_password": "a fresh passphrase", "confirm_password": "a fresh passphrase"}
    r = requests.post(f"{s.base}/change-password", headers={**HTML, **cookie, **origin(s)}, data=fields,
                      allow_redirects=False)
    assert r.status_code == 403
    r = requests.post(f"{s.base}/change-password", headers={**HTML, **cookie, "Origin": "https://evil.example"},
                      data={**fields, "csrf_token": csrf_of(page)}, allow_redirects=False)
    assert r.status_code == 403
    r = requests.post(f"{s.base}/change-password", headers={**HTML, **cookie, **origin(s)},
                      data={**fields, "csrf_token": csrf_of(page)}, allow_redirects=False)
    assert r.status_code == 303 and "Max-Age=0" in r.headers["Set-Cookie"]
    assert s.sign_in(email, "a fresh passphrase").status_code == 200


def test_verify_otp_form_posts_from_another_site_are_refused(make_stack):
    s = make_stack(otp_send_cooldown=0, otp_login_enabled="yes")
    email, _ = s.add_user()
    for purpose in ("reset", "login"):
        s.send_code(email, purpose=purpose)
    codes = [s.mailbox.code(email, count=n) for n in (1, 2)]
    for purpose, code in zip(("reset", "login"), codes):
        for cross in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
            r = requests.post(f"{s.base}/verify-otp", data={"email": email, "code": code, "purpose": purpose},
                              headers={**HTML, **cross}, allow_redirects=False)
            assert r.status_code == 403 and "Set-Cookie" not in r.headers, (purpose, cross)
    r = requests.post(f"{s.base}/send-otp", data={"email": email}, headers={**HTML, "Origin": "https://evil.example"},
                      allow_redirects=False)
    assert r.status_code == 403


def test_a_dead_session_cookie_is_no_session_on_the_code_pages(make_stack):
    s = make_stack(otp_send_cooldown=0)
    email, password = s.add_user()
    _, signed_in = browser_sign_in(s, email, password)
    cookie = cookie_header(signed_in)
    s.ctl("sessions", "revoke", "--user", email)
    page = requests.get(f"{s.base}/send-otp", headers={**HTML, **cookie})
    assert page.status_code == 200 and "Max-Age=0" in page.headers["Set-Cookie"]
    r = requests.post(f"{s.base}/send-otp", data={"email": email, "purpose": "reset"},
                      headers={**HTML, **cookie, **origin(s)}, allow_redirects=False)
    assert r.status_code == 303 and "Max-Age=0" in r.headers["Set-Cookie"]
    code = s.mailbox.code(email)
    r = requests.post(f"{s.base}/verify-otp", data={"email": email, "code": code, "purpose": "reset"},
                      headers={**HTML, **cookie, **origin(s)}, allow_redirects=False)
    assert r.status_code == 303 and "gatehouse_session_reset=" in r.headers["Set-Cookie"]
    # A page that needs a session sends the browser to sign in, and clears the dead cookie.
    r = requests.get(f"{s.base}/logout", headers={**HTML, **cookie}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/token?rd=%2Faccount%2Flogout")
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    # A JSON client with a bad bearer token is still told 401.
    assert requests.post(f"{s.base}/send-otp", params={"email": email},
                         headers={"Authorization": "Bearer " + "A" * 43}).status_code == 401


def test_without_origin_the_referer_must_be_ours(make_stack):
    s = make_stack()
    email, password = s.add_user()
    _, signed_in = browser_sign_in(s, email, password)
    cookie = cookie_header(signed_in)
    csrf = csrf_of(requests.get(f"{s.base}/logout", headers={**HTML, **cookie}))
    r = requests.post(f"{s.base}/logout", headers={**cookie, "Referer": "https://evil.example/account/logout"},
                      data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 403
    r = requests.post(f"{s.base}/logout", headers={**cookie}, data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 403, "a cookie post with neither Origin nor Referer is refused"
    r = requests.post(f"{s.base}/logout", headers={**HTML, **cookie, "Referer": f"http://127.0.0.1:{s.port}/account/logout"},
                      data={"csrf_token": csrf}, allow_redirects=False)
    assert r.status_code == 303
