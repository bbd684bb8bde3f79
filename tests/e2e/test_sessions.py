"""Sessions: idle and absolute expiry, logout, revocation, cookies."""
import time

import requests


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_logout_revokes_the_session(stack, user):
    token = stack.token(*user)
    r = requests.post(f"{stack.base}/logout", headers=bearer(token))
    assert r.status_code == 200
    assert r.json() == {"msg": "Logged out"}
    r = requests.get(f"{stack.base}/me", headers=bearer(token))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_logout_ends_only_that_session(stack, user):
    a, b = stack.token(*user), stack.token(*user)
    requests.post(f"{stack.base}/logout", headers=bearer(a))
    assert requests.get(f"{stack.base}/me", headers=bearer(b)).status_code == 200


def test_idle_timeout(make_stack):
    s = make_stack(session_idle_timeout="2s", session_absolute_timeout="1h")
    token = s.token(*s.add_user())
    assert requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 200
    time.sleep(3.2)
    assert requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 401


def test_activity_keeps_an_idle_session_alive(make_stack):
    s = make_stack(session_idle_timeout="3s", session_absolute_timeout="1h")
    token = s.token(*s.add_user())
    for _ in range(5):
        time.sleep(1)
        assert requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 200


def test_absolute_timeout(make_stack):
    # Times are whole seconds on disk: leave a second of slack either side.
    s = make_stack(session_idle_timeout="4s", session_absolute_timeout="5s")
    email, password = s.add_user()
    r = s.sign_in(email, password)
    assert r.json()["expires_in"] == 5
    token = r.json()["access_token"]
    for _ in range(3):
        time.sleep(1)
        assert requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 200
    time.sleep(2.7)  # idle for < 4 s, but > 5 s since sign-in
    assert requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 401


def test_admin_revocation_and_password_reset_end_sessions(stack, user):
    token = stack.token(*user)
    listed = stack.ctl("sessions", "list", "--user", user[0]).stdout
    assert user[0] in listed
    stack.ctl("sessions", "revoke", "--user", user[0])
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).status_code == 401
    token = stack.token(*user)
    stack.ctl("user", "set-password", user[0], input="a-brand-new-password\n")
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).status_code == 401
    assert stack.sign_in(user[0], "a-brand-new-password").status_code == 200


def test_bad_tokens(stack):
    for header in ["Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer " + "A" * 43]:
        r = requests.get(f"{stack.base}/me", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json() == {"detail": "Not authenticated"}
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_lowercase_bearer_scheme(stack, user):
    token = stack.token(*user)
    assert requests.get(f"{stack.base}/me", headers={"Authorization": f"bearer {token}"}).status_code == 200
