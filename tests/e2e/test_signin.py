"""Sign-in through nginx: the OAuth2 password grant (RFC 6749 §4.3, §5.1, §5.2)."""
import statistics
import time

import requests


def test_password_grant_returns_bearer_token(stack, user):
    r = stack.sign_in(*user)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 12 * 3600
    assert len(body["access_token"]) == 43  # 256 bits, base64url
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Pragma"] == "no-cache"
    assert r.headers["Content-Type"] == "application/json"


def test_json_body_is_accepted_too(stack, user):
    r = requests.post(f"{stack.base}/token", json={"username": user[0], "password": user[1]},
                      headers={"X-Forwarded-For": stack.client_ip()})
    assert r.status_code == 200
    assert r.json()["token_type"] == "bearer"


def test_token_is_accepted_by_me(stack, user):
    token = stack.token(*user)
    r = requests.get(f"{stack.base}/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert r.json()["email"] == user[0]
    assert r.json()["email_verified"] is False


def test_wrong_password_and_unknown_user_answer_the_same(stack, user):
    wrong = stack.sign_in(user[0], "not-the-password")
    unknown = stack.sign_in("nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json() == {"error": "invalid_grant", "error_description": "Invalid username or password"}
    assert wrong.headers.get("Cache-Control") == unknown.headers.get("Cache-Control") == "no-store"


def test_unknown_user_costs_a_password_verification(stack, user):
    # Without the dummy hash an unknown user would answer in ~1 ms instead of
    # one Argon2id verification (~25 ms): compare medians in the same run.
    def timed(name):
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            stack.sign_in(name, "not-the-password")
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)
    known, unknown = timed(user[0]), timed("ghost@example.com")
    assert unknown > 0.5 * known, (known, unknown)


def test_unsupported_grant_type(stack, user):
    r = requests.post(f"{stack.base}/token", data={"grant_type": "client_credentials", "username": user[0],
                                                   "password": user[1]})
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type"


def test_missing_parameter_is_invalid_request(stack):
    r = requests.post(f"{stack.base}/token", data={"grant_type": "password", "username": "a@example.com"})
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_request", "error_description": "Missing parameter: password"}


def test_password_is_never_logged(stack):
    secret = "Sup3r-secret-never-logged"
    stack.sign_in("someone@example.com", secret)
    audit = (stack.var / "data" / "audit.log").read_text()
    assert "signin_failed" in audit
    assert secret not in audit
    assert secret not in stack.error_log()
