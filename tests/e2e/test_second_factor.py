"""The second factor through nginx and real responders (docs/api.md "Second
factor", docs/security.md "Second factor"), checked with pyotp: a TOTP
implementation that is not ours."""
import re
import time
import urllib.parse

import pyotp
import pytest
import requests

CODE_FORM = {"Accept": "text/html"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def totp_code(secret, steps=0):
    """The app's code `steps` time steps from now, away from a step's edge
    (so that the server sees the same step)."""
    while 28.5 <= time.time() % 30:
        time.sleep(0.2)
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def enrol(stack, token):
    """An app enrolled with the code of the step before this one (within
    the one step of drift allowed), so that this step and the next are
    free for signing in. Returns the secret and the recovery codes."""
    r = requests.post(f"{stack.base}/mfa/totp/setup", headers=bearer(token))
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    r = requests.post(f"{stack.base}/mfa/totp/confirm", json={"code": totp_code(secret, -1)}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return secret, r.json()["recovery_codes"]


def sign_in(stack, email, password, ip=None, **fields):
    return requests.post(f"{stack.base}/token", data={"username": email, "password": password, **fields},
                         headers={"X-Forwarded-For": ip or stack.client_ip()})


def me(stack, token):
    r = requests.get(f"{stack.base}/me", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_enrolment_shows_a_secret_pyotp_reads_and_turns_on_only_with_a_code(stack, user):
    email, password = user
    token = stack.token(email, password)
    r = requests.post(f"{stack.base}/mfa/totp/setup", headers=bearer(token))
    assert r.status_code == 200 and r.headers["Pragma"] == "no-cache"
    body = r.json()
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    parsed = pyotp.parse_uri(body["otpauth_uri"])
    assert parsed.secret == body["secret"] and parsed.issuer == "Gatehouse" and parsed.name == email
    assert parsed.digits == 6 and parsed.interval == 30
    # Not on before a code from the app confirms it.
    r = requests.post(f"{stack.base}/mfa/totp/confirm", json={"code": "000000"}, headers=bearer(token))
    assert r.status_code == 403 and r.json() == {"detail": "Invalid second factor code"}
    assert me(stack, token)["mfa"] == {"totp": False, "recovery_codes_left": 0}
    assert sign_in(stack, email, password).status_code == 200
    r = requests.post(f"{stack.base}/mfa/totp/confirm", json={"code": totp_code(body["secret"])}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["msg"] == "Second factor enabled"
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10 and all(re.fullmatch(rf"{i}-[a-z2-7]{{5}}-[a-z2-7]{{5}}", c) for i, c in enumerate(codes))
    state = me(stack, token)
    assert state["mfa"] == {"totp": True, "recovery_codes_left": 10}
    assert state["session"]["factors"] == ["password", "totp"]


def test_sign_in_needs_the_code_and_a_step_or_recovery_code_works_once(stack, user):
    email, password = user
    secret, recovery = enrol(stack, stack.token(email, password))
    r = sign_in(stack, email, password)
    assert r.status_code == 403 and r.json()["error"] == "mfa_required" and r.headers["Pragma"] == "no-cache"
    r = sign_in(stack, email, password, mfa_code="000000")
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant", "error_description": "Invalid second factor code"}
    # The step that confirmed the enrolment cannot sign in.
    assert sign_in(stack, email, password, mfa_code=pyotp.TOTP(secret).at(time.time() - 30)).status_code == 400
    r = sign_in(stack, email, password, mfa_code=totp_code(secret))
    assert r.status_code == 200, r.text
    assert me(stack, r.json()["access_token"])["session"]["factors"] == ["password", "totp"]
    r = sign_in(stack, email, password, mfa_code=recovery[0].upper())
    assert r.status_code == 200
    assert me(stack, r.json()["access_token"])["session"]["factors"] == ["password", "recovery_code"]
    assert me(stack, r.json()["access_token"])["mfa"]["recovery_codes_left"] == 9
    assert sign_in(stack, email, password, mfa_code=recovery[0]).status_code == 400
    # A wrong password answers as it always did, whatever the code.
    r = sign_in(stack, email, password + "x", mfa_code=recovery[1])
    assert r.status_code == 400 and r.json()["error_description"] == "Invalid username or password"
    assert sign_in(stack, email, password, mfa_code=recovery[1]).status_code == 200, "not spent by the wrong password"


def test_an_account_without_a_second_factor_sees_no_change(stack, user):
    email, password = user
    r = sign_in(stack, email, password, mfa_code="123456")
    assert r.status_code == 200
    state = me(stack, r.json()["access_token"])
    assert state["mfa"] == {"totp": False, "recovery_codes_left": 0} and state["session"]["factors"] == ["password"]


def test_changes_need_the_second_factor_in_the_session(stack, user):
    """A session opened with the password alone before the enrolment (on
    another device, perhaps not the owner's) cannot remove the factor or
    read new recovery codes until it re-enters both."""
    email, password = user
    earlier = stack.token(email, password)
    secret, recovery = enrol(stack, stack.token(email, password))
    for path in ("mfa/recovery-codes", "mfa/totp/disable", "mfa/totp/setup"):
        r = requests.post(f"{stack.base}/{path}", headers=bearer(earlier))
        assert r.status_code == 403 and "again" in r.json()["detail"], path
    r = requests.post(f"{stack.base}/change-password", headers=bearer(earlier),
                      json={"old_password": password, "new_password": "another long phrase", "confirm_password": "another long phrase"})
    assert r.status_code == 403 and "again" in r.json()["detail"]
    r = requests.post(f"{stack.base}/reauth", json={"password": password}, headers=bearer(earlier))
    assert r.status_code == 403 and r.json()["detail"].startswith("A second factor is required")
    r = requests.post(f"{stack.base}/reauth", json={"password": "wrong one", "mfa_code": totp_code(secret)}, headers=bearer(earlier))
    assert r.status_code == 403 and r.json() == {"detail": "Incorrect password or second factor code"}
    r = requests.post(f"{stack.base}/reauth", json={"password": password, "mfa_code": totp_code(secret)}, headers=bearer(earlier))
    assert r.status_code == 200 and r.json()["msg"] == "Reauthenticated"
    assert me(stack, earlier)["session"]["factors"] == ["password", "totp"]
    r = requests.post(f"{stack.base}/mfa/recovery-codes", headers=bearer(earlier))
    assert r.status_code == 200 and set(r.json()["recovery_codes"]).isdisjoint(recovery)
    assert sign_in(stack, email, password, mfa_code=recovery[0]).status_code == 400, "the old set is gone"
    assert sign_in(stack, email, password, mfa_code=r.json()["recovery_codes"][0]).status_code == 200


def test_disabling_brings_back_the_password_alone(stack, user):
    email, password = user
    token = stack.token(email, password)
    enrol(stack, token)
    r = requests.post(f"{stack.base}/mfa/totp/disable", headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"msg": "Second factor disabled"}
    assert sign_in(stack, email, password).status_code == 200
    r = requests.post(f"{stack.base}/mfa/recovery-codes", headers=bearer(token))
    assert r.status_code == 409 and r.json() == {"detail": "No second factor is enabled"}


def set_cookie(r, name):
    """The value a response sets for cookie `name` ("" when it clears it), or None."""
    for header in r.raw.headers.getlist("Set-Cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return rest.split(";")[0]
    return None


class Browser:
    """Form posts as a browser makes them, its cookies kept by hand: they
    are Secure, which requests does not send over plain http."""

    def __init__(self, stack):
        self.stack, self.cookies, self.ip = stack, {}, stack.client_ip()

    def request(self, method, path, **kw):
        headers = {**CODE_FORM, "Origin": self.stack.base.rsplit("/", 1)[0], "X-Forwarded-For": self.ip,
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        r = requests.request(method, f"{self.stack.base}/{path}", headers=headers, allow_redirects=False, **kw)
        for name in ("gatehouse_session", "gatehouse_session_mfa"):
            value = set_cookie(r, name)
            if value:
                self.cookies[name] = value
            elif value == "":
                self.cookies.pop(name, None)
        return r


def test_a_browser_gets_a_second_step_that_is_not_a_session(stack, user):
    email, password = user
    secret, _ = enrol(stack, stack.token(email, password))
    browser = Browser(stack)
    r = browser.request("POST", "token", data={"username": email, "password": password, "rd": "/account/me"})
    assert r.status_code == 303 and r.headers["Location"] == "/account/mfa?rd=%2Faccount%2Fme"
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
    assert list(browser.cookies) == ["gatehouse_session_mfa"]
    ticket = browser.cookies["gatehouse_session_mfa"]
    assert requests.get(f"{stack.base}/me", headers=bearer(ticket)).status_code == 401, "the ticket is no session"
    page = browser.request("GET", "mfa?rd=%2Faccount%2Fme")
    assert page.status_code == 200 and 'name="code"' in page.text and 'autocomplete="one-time-code"' in page.text
    r = browser.request("POST", "mfa", data={"code": "000000", "rd": "/account/me"})
    assert r.status_code == 403 and 'name="code"' in r.text and "That code is wrong" in r.text
    r = browser.request("POST", "mfa", data={"code": totp_code(secret), "rd": "/account/me"})
    assert r.status_code == 303 and r.headers["Location"] == "/account/me"
    assert list(browser.cookies) == ["gatehouse_session"], "the ticket cleared, the session set"
    assert me(stack, browser.cookies["gatehouse_session"])["session"]["factors"] == ["password", "totp"]
    r = requests.post(f"{stack.base}/mfa", data={"code": totp_code(secret, 1)}, headers={
        **CODE_FORM, "Cookie": f"gatehouse_session_mfa={ticket}", "Origin": stack.base.rsplit("/", 1)[0]}, allow_redirects=False)
    assert r.status_code == 303 and "second-step-expired" in r.headers["Location"], "used up"


def test_five_wrong_codes_end_the_second_step(make_stack):
    s = make_stack(signin_free_failures=20)
    email, password = s.add_user()
    secret, _ = enrol(s, s.token(email, password))
    browser = Browser(s)
    browser.request("POST", "token", data={"username": email, "password": password})
    ticket = browser.cookies["gatehouse_session_mfa"]
    for i in range(5):
        r = browser.request("POST", "mfa", data={"code": f"00000{i}"})
        assert r.status_code == (303 if i == 4 else 403)
    assert r.headers["Location"] == "/account/token?notice=second-step-expired"
    assert "gatehouse_session_mfa" not in browser.cookies
    browser.cookies["gatehouse_session_mfa"] = ticket
    r = browser.request("POST", "mfa", data={"code": totp_code(secret)})
    assert r.status_code == 303 and "second-step-expired" in r.headers["Location"]
    assert "gatehouse_session" not in browser.cookies


def test_wrong_codes_count_in_the_accounts_back_off(make_stack):
    """Whoever has the password gets no more guesses at the code than anyone
    gets at a password: each wrong code is a failed sign-in, and the right
    password alone does not clear them."""
    # A back-off of 10 s, not 1: on a busy machine the requests below took
    # longer than a second, and the last came after the back-off was over.
    s = make_stack(signin_free_failures=3, signin_backoff_base="10s")
    email, password = s.add_user()
    secret, _ = enrol(s, s.token(email, password))
    attacker = s.client_ip()
    statuses = []
    for i in range(3):
        statuses.append(sign_in(s, email, password, ip=attacker, mfa_code=f"11111{i}").status_code)
        statuses.append(sign_in(s, email, password, ip=attacker).status_code)
    assert statuses[:3] == [400, 403, 400] and 429 in statuses
    r = sign_in(s, email, password, ip=s.client_ip(), mfa_code=totp_code(secret))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_me_shows_the_step_up_window(stack, user):
    email, password = user
    token = stack.token(email, password)
    session = me(stack, token)["session"]
    created = time.mktime(time.strptime(session["created"], "%Y-%m-%dT%H:%M:%SZ"))
    expires = time.mktime(time.strptime(session["reauth_expires"], "%Y-%m-%dT%H:%M:%SZ"))
    assert expires - created == 600


def test_verify_policy_mfa(stack, user):
    email, password = user
    token = stack.token(email, password)
    origin = stack.base.rsplit("/", 1)[0]
    other = stack.token(email, password)
    r = requests.get(f"{origin}/second-factor/app", headers=bearer(token), allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == f"{origin}/account/mfa?notice=mfa-needed", "no factor yet: turn it on, not a loop"
    page = requests.get(r.headers["Location"], cookies={"gatehouse_session": token}, headers={"Accept": "text/html"})
    assert "This page asks for two-step sign-in" in page.text
    secret, _ = enrol(stack, token)
    r = requests.get(f"{origin}/second-factor/app", headers=bearer(token))
    assert r.status_code == 200 and email in r.text, "the enrolling session proved the factor"
    r = requests.get(f"{origin}/second-factor/app", headers=bearer(other), allow_redirects=False)
    assert r.headers["Location"] == f"{origin}/account/reauth?rd=" + urllib.parse.quote(f"{origin}/second-factor/app", safe="")
    fresh = sign_in(stack, email, password, mfa_code=totp_code(secret)).json()["access_token"]
    assert requests.get(f"{origin}/second-factor/app", headers=bearer(fresh)).status_code == 200


@pytest.mark.parametrize("path", ["mfa/totp/setup", "mfa/totp/confirm", "mfa/totp/disable", "mfa/recovery-codes", "reauth"])
def test_each_action_needs_a_session(stack, path):
    r = requests.post(f"{stack.base}/{path}", json={"code": "123456", "password": "x"})
    assert r.status_code == 401


def test_unknown_paths_and_methods(stack, user):
    token = stack.token(*user)
    assert requests.get(f"{stack.base}/mfa/totp/setup", headers=bearer(token)).status_code == 405
    assert requests.get(f"{stack.base}/mfa/totp/setup", headers=bearer(token)).headers["Allow"] == "POST"
    assert requests.post(f"{stack.base}/mfa/totp/other", headers=bearer(token)).status_code == 404
    assert requests.get(f"{stack.base}/mfa", headers=bearer(token)).json() == {"totp": False, "recovery_codes_left": 0}


def subjects(stack, email):
    return [m["Subject"] for m in stack.mailbox.messages(email)]


def test_the_owner_is_mailed_each_change_and_each_recovery_code_used(stack, user):
    email, password = user
    token = stack.token(email, password)
    secret, recovery = enrol(stack, token)
    stack.mailbox.wait(email, 1)
    assert subjects(stack, email) == ["Two-step sign-in is now on for your Gatehouse account"]
    assert sign_in(stack, email, password, mfa_code=recovery[0]).status_code == 200
    used = stack.mailbox.wait(email, 2)[-1]
    assert used["Subject"] == "A recovery code was used for your Gatehouse account"
    assert "9 unused codes are left" in " ".join(stack.mailbox.text(used).split())
    for code in ("000000", "000001"):
        assert sign_in(stack, email, password, mfa_code=code).status_code == 400
    stack.mailbox.wait(email, 3)
    time.sleep(0.5)
    assert subjects(stack, email).count("Your Gatehouse password was entered, but not the second step") == 1
    assert requests.post(f"{stack.base}/mfa/recovery-codes", headers=bearer(token)).status_code == 200
    assert requests.post(f"{stack.base}/mfa/totp/disable", headers=bearer(token)).status_code == 200
    stack.mailbox.wait(email, 5)
    # Sent in the same second, their order in the Maildir is not theirs.
    assert set(subjects(stack, email)[-2:]) == {"New recovery codes for your Gatehouse account",
                                                "Two-step sign-in was turned off for your Gatehouse account"}
    for msg in stack.mailbox.messages(email):
        text = stack.mailbox.text(msg)
        assert secret not in text and not any(code in text for code in recovery) and password not in text


def test_a_german_page_gets_german_notices(stack, user):
    email, password = user
    token = stack.token(email, password)
    r = requests.post(f"{stack.base}/mfa/totp/setup", headers=bearer(token))
    r = requests.post(f"{stack.base}/mfa/totp/confirm", json={"code": totp_code(r.json()["secret"])},
                      headers={**bearer(token), "Accept-Language": "de"})
    assert r.status_code == 200
    assert stack.mailbox.wait(email, 1)[-1]["Subject"] == "Die Anmeldung in zwei Schritten ist für Ihr Konto bei Gatehouse an"


def test_an_administrator_resets_a_lost_device(stack, user):
    """The owner lost the phone and the recovery codes: the administrator
    removes the factor (audited, mailed), and every session ends."""
    email, password = user
    token = stack.token(email, password)
    enrol(stack, token)
    out = stack.ctl("user", "mfa", "reset", email).stdout
    assert out.startswith(f"removed the second factor of {email}")
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).status_code == 401
    assert "second_factor: none" in stack.ctl("user", "show", email).stdout
    assert sign_in(stack, email, password).status_code == 200
    assert stack.mailbox.wait(email, 2)[-1]["Subject"] == "Two-step sign-in was removed from your Gatehouse account"
    assert '"event":"mfa_reset_by_admin"' in (stack.var / "data" / "audit.log").read_text()
    r = stack.ctl("user", "mfa", "reset", "nobody@example.com", check=False)
    assert r.returncode == 4


def test_a_reset_by_code_never_removes_the_second_factor(stack, user):
    email, password = user
    secret, _ = enrol(stack, stack.token(email, password))
    stack.mailbox.wait(email, 1)
    assert stack.send_code(email, purpose="reset").status_code == 200
    code = stack.mailbox.code(email, count=2)
    grant = requests.post(f"{stack.base}/verify-otp", json={"email": email, "code": code, "purpose": "reset"}).json()["reset_token"]
    r = requests.post(f"{stack.base}/change-password", headers=bearer(grant),
                      json={"new_password": "a new long phrase", "confirm_password": "a new long phrase"})
    assert r.status_code == 200, r.text
    r = sign_in(stack, email, "a new long phrase")
    assert r.status_code == 403 and r.json()["error"] == "mfa_required"
    assert sign_in(stack, email, "a new long phrase", mfa_code=totp_code(secret)).status_code == 200


def test_sign_in_by_code_asks_for_the_second_factor_too(make_stack):
    s = make_stack(otp_login_enabled="yes", otp_send_cooldown=0)
    email, password = s.add_user()
    secret, _ = enrol(s, s.token(email, password))
    s.mailbox.wait(email, 1)
    for n, extra in ((2, {}), (3, {"mfa_code": totp_code(secret)})):
        assert s.send_code(email, purpose="login").status_code == 200
        code = s.mailbox.code(email, count=n)
        r = requests.post(f"{s.base}/verify-otp", json={"email": email, "code": code, "purpose": "login", **extra})
        if not extra:
            assert r.status_code == 403 and r.json()["detail"].startswith("A second factor is required")
        else:
            assert r.status_code == 200, r.text
            assert me(s, r.json()["access_token"])["session"]["factors"] == ["email_code", "totp"]


UNDO_CODE = re.compile(r"^\s+([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3})\s*$", re.M)


def undo_code(stack, email):
    mail = stack.mailbox.wait(email, 1)[0]
    assert mail["Subject"] == "Two-step sign-in is now on for your Gatehouse account"
    return UNDO_CODE.search(stack.mailbox.text(mail)).group(1)


def test_the_owner_undoes_an_enrolment_they_did_not_make(stack, user):
    """A session taken over inside its step-up window enrols the taker's
    app. The owner signs in with the password and the undo code from the
    mail that told them: the factor is gone, and every session with it."""
    email, password = user
    taken = stack.token(email, password)
    enrol(stack, taken)
    code = undo_code(stack, email)
    r = sign_in(stack, email, "not the password", mfa_code=code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = sign_in(stack, email, password, mfa_code=code.lower().replace("-", " "))
    assert r.status_code == 200, r.text
    owner = r.json()["access_token"]
    assert me(stack, owner)["session"]["factors"] == ["password"]
    assert me(stack, owner)["mfa"] == {"totp": False, "recovery_codes_left": 0}
    assert requests.get(f"{stack.base}/me", headers=bearer(taken)).status_code == 401
    assert stack.mailbox.wait(email, 2)[-1]["Subject"] == "Two-step sign-in was turned off for your Gatehouse account"
    assert '"event":"mfa_undone"' in (stack.var / "data" / "audit.log").read_text()
    assert code not in (stack.var / "data" / "audit.log").read_text()


def test_an_undo_code_is_void_after_a_reset_by_code(stack, user):
    """Whoever has the mailbox but not the password resets it first: the
    undo code names the password of its time, and is no code after."""
    email, password = user
    secret, _ = enrol(stack, stack.token(email, password))
    code = undo_code(stack, email)
    assert stack.send_code(email, purpose="reset").status_code == 200
    grant = requests.post(f"{stack.base}/verify-otp", json={"email": email, "code": stack.mailbox.code(email, count=2),
                                                            "purpose": "reset"}).json()["reset_token"]
    r = requests.post(f"{stack.base}/change-password", headers=bearer(grant),
                      json={"new_password": "a new long phrase", "confirm_password": "a new long phrase"})
    assert r.status_code == 200, r.text
    r = sign_in(stack, email, "a new long phrase", mfa_code=code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert sign_in(stack, email, "a new long phrase", mfa_code=totp_code(secret)).status_code == 200


def test_reauth_without_a_code_never_tells_a_right_password_from_a_wrong_one(stack, user):
    email, password = user
    token = stack.token(email, password)
    enrol(stack, token)
    right = requests.post(f"{stack.base}/reauth", json={"password": password}, headers=bearer(token))
    wrong = requests.post(f"{stack.base}/reauth", json={"password": "not it"}, headers=bearer(token))
    assert right.status_code == wrong.status_code == 403
    assert right.content == wrong.content and right.json()["detail"].startswith("A second factor is required")
