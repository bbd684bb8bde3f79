"""send-otp and verify-otp through nginx, codes read from the Maildir the
maildir transport writes (the SMTP transports have their own tests).
Each test names the docs/security.md row it covers."""
import time

import requests


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def verify(stack, email, code, purpose=None, ip=None, headers=None):
    body = {"email": email, "code": code}
    if purpose:
        body["purpose"] = purpose
    return requests.post(f"{stack.base}/verify-otp", json=body,
                         headers={"X-Forwarded-For": ip or stack.client_ip(), **(headers or {})})


def test_send_then_verify_with_a_session_steps_it_up(make_stack):
    s = make_stack()
    email, password = s.add_user()
    token = s.token(email, password)
    r = requests.post(f"{s.base}/send-otp", params={"email": email}, headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"msg": "OTP sent successfully"}
    code = s.mailbox.code(email)
    assert requests.get(f"{s.base}/me", headers=bearer(token)).json()["session"]["otp_verified"] is False
    r = requests.post(f"{s.base}/verify-otp", json={"code": code}, headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"msg": "OTP verified successfully"}
    me = requests.get(f"{s.base}/me", headers=bearer(token)).json()
    assert me["session"]["otp_verified"] is True
    assert me["email_verified"] is True


def test_code_is_six_csprng_digits_and_mail_is_rfc5322(make_stack):
    s = make_stack()
    email, _ = s.add_user()
    s.send_code(email)
    msg = s.mailbox.wait(email)[-1]
    for header in ["Date", "Message-ID", "From", "To", "Subject", "MIME-Version"]:
        assert msg[header], header
    assert msg.get_body(preferencelist=("plain",))["Content-Type"].params["charset"] == "utf-8"
    code = s.mailbox.code(email)
    assert len(code) == 6 and code.isdigit()
    assert code not in msg["Subject"]


def test_single_use(make_stack):  # docs/security.md OTP: single use (consumed atomically)
    s = make_stack()
    email, _ = s.add_user()
    s.send_code(email)
    code = s.mailbox.code(email)
    assert verify(s, email, code).status_code == 200
    r = verify(s, email, code)
    assert r.status_code == 403 and r.json() == {"detail": "Invalid OTP"}


def test_five_wrong_tries_kill_the_code(make_stack):  # docs/security.md OTP: at most 5 wrong tries then dead
    s = make_stack()
    email, _ = s.add_user()
    s.send_code(email)
    code = s.mailbox.code(email)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert verify(s, email, wrong).status_code == 403
    assert verify(s, email, code).status_code == 403


def test_four_wrong_tries_leave_it_alive(make_stack):
    s = make_stack()
    email, _ = s.add_user()
    s.send_code(email)
    code = s.mailbox.code(email)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        verify(s, email, wrong)
    assert verify(s, email, code).status_code == 200


def test_a_new_code_replaces_the_old(make_stack):  # docs/security.md OTP: a new code replaces the old (the mail says so)
    s = make_stack(otp_send_cooldown=0)
    email, _ = s.add_user()
    s.send_code(email)
    first = s.mailbox.code(email)
    s.send_code(email)
    second = s.mailbox.code(email, count=2)
    assert "replaces the code we sent you before" in s.mailbox.text(s.mailbox.messages(email)[-1])
    if first != second:
        assert verify(s, email, first).status_code == 403
    assert verify(s, email, second).status_code == 200


def test_expiry(make_stack):  # docs/security.md OTP: lifetime (10 minutes by default; 2 s here)
    s = make_stack(otp_lifetime="2s")
    email, _ = s.add_user()
    s.send_code(email)
    code = s.mailbox.code(email)
    time.sleep(3.1)
    r = verify(s, email, code)
    assert r.status_code == 403 and r.json() == {"detail": "Invalid OTP"}
    assert '"event":"code_expired"' in (s.var / "data" / "audit.log").read_text()


def test_resending_never_buys_more_guesses(make_stack):  # docs/security.md OTP: wrong-try count survives a resend
    s = make_stack(otp_send_cooldown=0)
    email, _ = s.add_user()
    guesser = s.client_ip()
    for round_ in range(2):
        s.send_code(email)
        code = s.mailbox.code(email, count=round_ + 1)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            verify(s, email, wrong, ip=guesser)
    s.send_code(email)
    code = s.mailbox.code(email, count=3)
    r = verify(s, email, code, ip=guesser)  # ten wrong guesses this hour from here: even the right code is refused
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    # The guesses were this client's; the owner elsewhere is not held back by them.
    assert verify(s, email, code, ip=s.client_ip()).status_code == 200


def test_codes_are_bound_to_their_purpose(make_stack):  # docs/security.md OTP: bound to user and purpose
    s = make_stack()
    email, _ = s.add_user()
    s.send_code(email, purpose="verify")
    code = s.mailbox.code(email)
    assert verify(s, email, code, purpose="reset").status_code == 403
    assert verify(s, email, code, purpose="verify").status_code == 200


def test_codes_are_bound_to_their_user(make_stack):
    s = make_stack()
    a, _ = s.add_user()
    b, _ = s.add_user()
    s.send_code(a)
    assert verify(s, b, s.mailbox.code(a)).status_code == 403


def test_cooldown_between_sends(make_stack):  # docs/security.md sending limits: 60 s between sends per address
    s = make_stack()
    email, _ = s.add_user()
    assert s.send_code(email).status_code == 200
    r = s.send_code(email)
    assert r.status_code == 429
    assert 55 <= int(r.headers["Retry-After"]) <= 60
    assert r.json() == {"detail": "Too many codes requested; try again later"}


def test_hourly_cap_per_address(make_stack):  # docs/security.md sending limits: 5 per hour per address
    s = make_stack(otp_send_cooldown=0)
    email, _ = s.add_user()
    for _ in range(5):
        assert s.send_code(email).status_code == 200
    r = s.send_code(email)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 3000


def test_hourly_cap_per_client_address(make_stack):  # docs/security.md sending limits: 20 per hour per client IP
    s = make_stack(otp_sends_per_hour_per_ip=3)
    ip = "198.51.100.7"
    for i in range(3):
        assert s.send_code(f"x{i}@example.com", ip=ip).status_code == 200
    assert s.send_code("x9@example.com", ip=ip).status_code == 429
    assert s.send_code("x9@example.com", ip="198.51.100.8").status_code == 200


def test_the_site_wide_cap_is_an_alarm_by_default(make_stack):  # docs/security.md sending limits: site-wide
    s = make_stack(otp_sends_per_hour_site=2)
    for name in "abcd":
        assert s.send_code(f"{name}@example.com").status_code == 200
    audit = (s.var / "data" / "audit.log").read_text()
    assert audit.count('"event":"code_send_site_alarm"') == 2  # the 1st and 2nd past the cap
    assert "otp_sends_per_hour_site" in s.error_log()


def test_a_refusing_site_cap_never_stops_a_signed_in_step_up(make_stack):
    """Anyone can spend a site-wide budget: with otp_site_cap = refuse it
    stops clients without a session, never a signed-in person's own code."""
    s = make_stack(otp_sends_per_hour_site=2, otp_site_cap="refuse")
    email, password = s.add_user()
    token = s.token(email, password)
    assert s.send_code("a@example.com").status_code == 200
    assert s.send_code("b@example.com").status_code == 200
    assert s.send_code("c@example.com").status_code == 429
    assert s.send_code(email).status_code == 429
    r = s.send_code(email, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    r = requests.post(f"{s.base}/verify-otp", json={"code": s.mailbox.code(email)}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def test_unknown_address_gets_the_same_answer(make_stack):  # docs/security.md: unknown address
    s = make_stack()
    email, _ = s.add_user()
    known = s.send_code(email)
    unknown = s.send_code("nobody-here@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert {k: v for k, v in known.headers.items() if k != "Date"} == {k: v for k, v in unknown.headers.items() if k != "Date"}
    s.mailbox.wait(email)
    time.sleep(0.3)
    assert s.mailbox.messages("nobody-here@example.com") == []
    # Same work: both leave a code record behind (the unknown one can never be used).
    assert s.count_records("codes") == 2


def test_original_404_is_a_config_switch(make_stack):
    s = make_stack(otp_unknown_address_404="yes")
    r = s.send_code("nobody@example.com")
    assert r.status_code == 404 and r.json() == {"detail": "User not found"}


def test_sign_in_by_code_is_off_by_default(make_stack):  # docs/security.md code sign-in: off by default
    s = make_stack()
    email, _ = s.add_user()
    r = s.send_code(email, purpose="login")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "purpose"]


def test_sign_in_by_code_when_enabled(make_stack):
    s = make_stack(otp_login_enabled="yes")
    email, _ = s.add_user()
    s.send_code(email, purpose="login")
    r = verify(s, email, s.mailbox.code(email), purpose="login")
    assert r.status_code == 200
    token = r.json()["access_token"]
    assert requests.get(f"{s.base}/me", headers=bearer(token)).json()["email"] == email


def test_verify_without_session_or_address_is_401(stack):
    r = requests.post(f"{stack.base}/verify-otp", json={"code": "123456"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_invalid_address_shape(stack):
    r = requests.post(f"{stack.base}/send-otp", params={"email": "not-an-email"})
    assert r.status_code == 422
    assert r.json() == {"detail": [{"type": "value_error", "loc": ["query", "email"],
                                    "msg": "value is not a valid email address: An email address must have an @-sign.",
                                    "input": "not-an-email", "ctx": {"reason": "An email address must have an @-sign."}}]}


def test_codes_never_reach_a_log(make_stack):
    s = make_stack()
    email, _ = s.add_user()
    s.send_code(email)
    code = s.mailbox.code(email)
    verify(s, email, "999999" if code != "999999" else "888888")
    verify(s, email, code)
    assert code not in (s.var / "data" / "audit.log").read_text()
    assert code not in s.error_log()
    for f in (s.var / "data").rglob("*"):
        if f.is_file() and "outbox" not in f.parts:
            assert code.encode() not in f.read_bytes(), f
