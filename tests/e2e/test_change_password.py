"""change-password through nginx (docs/api.md change-password, docs/security.md password rows)."""
import requests


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def change(stack, token, old, new, confirm=None, **kw):
    body = {"new_password": new, "confirm_password": new if confirm is None else confirm}
    if old is not None:
        body["old_password"] = old
    return requests.post(f"{stack.base}/change-password", json=body, headers={**bearer(token), **kw.pop("headers", {})}, **kw)


def test_success_revokes_other_sessions_keeps_this_one(make_stack):
    s = make_stack()
    email, password = s.add_user()
    mine, other = s.token(email, password), s.token(email, password)
    r = change(s, mine, password, "a fresh passphrase 7")
    assert r.status_code == 200 and r.json() == {"msg": "Password changed successfully"}
    assert requests.get(f"{s.base}/me", headers=bearer(mine)).status_code == 200
    assert requests.get(f"{s.base}/me", headers=bearer(other)).status_code == 401
    assert s.sign_in(email, password).status_code == 400
    assert s.sign_in(email, "a fresh passphrase 7").status_code == 200


def test_notice_mail_has_no_secrets(make_stack):  # docs/security.md password-changed notice
    s = make_stack()
    email, password = s.add_user()
    token = s.token(email, password)
    change(s, token, password, "a fresh passphrase 7")
    msg = s.mailbox.wait(email)[-1]
    text = s.mailbox.text(msg)
    assert "password" in msg["Subject"].lower()
    assert "If it was not you" in text
    assert password not in text and "a fresh passphrase 7" not in text and token not in text


def test_outstanding_codes_are_invalidated(make_stack):
    s = make_stack()
    email, password = s.add_user()
    token = s.token(email, password)
    s.send_code(email)
    code = s.mailbox.code(email)
    change(s, token, password, "a fresh passphrase 7")
    r = requests.post(f"{s.base}/verify-otp", json={"code": code}, headers=bearer(token))
    assert r.status_code == 403


def test_mismatch_wins_over_wrong_old_password(stack, user):
    token = stack.token(*user)
    r = change(stack, token, "wrongpassword", "newpassword1x", "newpassword2x")
    assert r.status_code == 400 and r.json() == {"detail": "Passwords do not match"}


def test_wrong_old_password(stack, user):
    token = stack.token(*user)
    r = change(stack, token, "wrongpassword", "a fresh passphrase 7")
    assert r.status_code == 403 and r.json() == {"detail": "Old password is incorrect"}


def test_wrong_old_password_counts_toward_throttling(make_stack):
    s = make_stack(signin_backoff_base="60s")
    email, password = s.add_user()
    token = s.token(email, password)
    for _ in range(5):
        assert change(s, token, "wrongpassword", "a fresh passphrase 7").status_code == 403
    r = change(s, token, password, "a fresh passphrase 7")
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_length_rules_are_pydantic_422_with_redaction(stack, user):
    token = stack.token(*user)
    r = change(stack, token, user[1], "short", "short")
    assert r.status_code == 422
    assert r.json() == {"detail": [
        {"type": "string_too_short", "loc": ["body", "new_password"], "msg": "String should have at least 8 characters",
         "input": "[redacted]", "ctx": {"min_length": 8}},
        {"type": "string_too_short", "loc": ["body", "confirm_password"], "msg": "String should have at least 8 characters",
         "input": "[redacted]", "ctx": {"min_length": 8}}]}
    r = change(stack, token, user[1], "x" * 129)
    assert r.json()["detail"][0]["type"] == "string_too_long"


def test_policy_rejections_say_why(stack):  # docs/security.md blocklist, local part, new ≠ old
    email, password = stack.add_user("margaret@example.com")
    token = stack.token(email, password)
    for new, reason in [("password123", "too common"), ("Margaret-1999!", "e-mail address"),
                        (password, "differ from the current one")]:
        r = change(stack, token, password, new)
        assert r.status_code == 422, new
        detail = r.json()["detail"][0]
        assert detail["loc"] == ["body", "new_password"] and reason in detail["msg"], detail
        assert detail["input"] == "[redacted]"


def test_blocklist_is_the_shipped_list():
    from conftest import ROOT
    lines = (ROOT / "deploy" / "blocklist" / "common-passwords.txt").read_text().splitlines()
    assert len(lines) >= 10000
    assert lines == sorted(set(lines), key=lambda s: s.encode())


def test_missing_fields(stack, user):
    token = stack.token(*user)
    r = requests.post(f"{stack.base}/change-password", json={}, headers=bearer(token))
    assert [d["loc"][-1] for d in r.json()["detail"]] == ["old_password", "new_password", "confirm_password"]


def test_unauthenticated(stack):
    r = change(stack, "x" * 43, "a", "b")
    assert r.status_code == 401


def test_step_up_switch(make_stack):  # docs/api.md change-password: optional step-up
    s = make_stack(change_password_requires_otp_within="5m")
    email, password = s.add_user()
    token = s.token(email, password)
    r = change(s, token, password, "a fresh passphrase 7")
    assert r.status_code == 403 and "Verify a code" in r.json()["detail"]
    requests.post(f"{s.base}/send-otp", headers=bearer(token))
    assert requests.post(f"{s.base}/verify-otp", json={"code": s.mailbox.code(email)}, headers=bearer(token)).status_code == 200
    assert change(s, token, password, "a fresh passphrase 7").status_code == 200


def reset_grant(s, email, **kw):
    s.send_code(email, purpose="reset")
    r = requests.post(f"{s.base}/verify-otp", json={"email": email, "code": s.mailbox.code(email, **kw), "purpose": "reset"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["msg"] == "OTP verified successfully" and body["expires_in"] == 600
    return body["reset_token"]


def test_reset_grant_sets_a_password_once(make_stack):  # docs/api.md verify-otp: reset grant, once, only change-password
    s = make_stack()
    email, password = s.add_user()
    session = s.token(email, password)
    grant = reset_grant(s, email)
    for method, path in [("GET", "me"), ("POST", "logout"), ("POST", "send-otp")]:
        assert requests.request(method, f"{s.base}/{path}", headers=bearer(grant)).status_code == 401, path
    assert change(s, grant, None, "a fresh passphrase 7").status_code == 200
    assert change(s, grant, None, "another passphrase 8").status_code == 401
    assert requests.get(f"{s.base}/me", headers=bearer(session)).status_code == 401  # every session revoked
    assert s.sign_in(email, "a fresh passphrase 7").status_code == 200


def test_reset_grant_expires(make_stack):
    import time
    s = make_stack(reset_grant_lifetime="2s")
    email, _ = s.add_user()
    s.send_code(email, purpose="reset")
    r = requests.post(f"{s.base}/verify-otp", json={"email": email, "code": s.mailbox.code(email), "purpose": "reset"})
    grant = r.json()["reset_token"]
    time.sleep(3.1)
    assert change(s, grant, None, "a fresh passphrase 7").status_code == 401
