"""A person's own sessions: the list and ending one or all the others
(docs/api.md "Sessions", docs/security.md "Sessions a person can end")."""
import requests


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def listed(stack, token):
    r = requests.get(f"{stack.base}/sessions", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["sessions"]


def revoke(stack, token, **body):
    return requests.post(f"{stack.base}/sessions/revoke", json=body, headers=bearer(token))


def test_the_list_shows_this_account_only_this_session_first(stack):
    email, password = stack.add_user()
    other_email, other_password = stack.add_user()
    firefox = requests.post(f"{stack.base}/token", data={"username": email, "password": password},
                            headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                                     "X-Forwarded-For": "198.51.100.7"}).json()["access_token"]
    mine = stack.token(email, password)
    stack.token(other_email, other_password)
    sessions = listed(stack, mine)
    assert len(sessions) == 2
    assert sessions[0]["current"] and not sessions[1]["current"]
    assert sessions[0]["browser"] == "Python" and sessions[0]["factors"] == ["password"]
    assert sessions[1]["browser"] == "Firefox" and sessions[1]["client_ip"] == "198.51.100.7"
    assert firefox not in str(sessions) and mine not in str(sessions), "no token is shown"
    assert listed(stack, firefox)[0]["id"] == sessions[1]["id"]


def test_ending_one_other_session(stack):
    email, password = stack.add_user()
    keep, end = stack.token(email, password), stack.token(email, password)
    target = [s for s in listed(stack, keep) if not s["current"]][0]["id"]
    r = revoke(stack, keep, id=target)
    assert r.status_code == 200 and r.json() == {"msg": "Session ended"}
    assert requests.get(f"{stack.base}/me", headers=bearer(end)).status_code == 401
    assert requests.get(f"{stack.base}/me", headers=bearer(keep)).status_code == 200
    assert revoke(stack, keep, id=target).status_code == 404


def test_ending_every_other_session(stack):
    email, password = stack.add_user()
    others = [stack.token(email, password) for _ in range(3)]
    keep = stack.token(email, password)
    r = revoke(stack, keep, others=True)
    assert r.status_code == 200 and r.json() == {"msg": "Other sessions ended", "ended": 3}
    assert all(requests.get(f"{stack.base}/me", headers=bearer(t)).status_code == 401 for t in others)
    assert requests.get(f"{stack.base}/me", headers=bearer(keep)).status_code == 200
    assert [s["current"] for s in listed(stack, keep)] == [True]


def test_ending_this_session_signs_out(stack):
    email, password = stack.add_user()
    token = stack.token(email, password)
    me = listed(stack, token)[0]["id"]
    assert revoke(stack, token, id=me).status_code == 200
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).status_code == 401


def test_another_accounts_session_cannot_be_named(stack):
    email, password = stack.add_user()
    theirs_email, theirs_password = stack.add_user()
    theirs = stack.token(theirs_email, theirs_password)
    their_id = listed(stack, theirs)[0]["id"]
    assert revoke(stack, stack.token(email, password), id=their_id).status_code == 404
    assert requests.get(f"{stack.base}/me", headers=bearer(theirs)).status_code == 200


def test_bad_requests(stack):
    token = stack.token(*stack.add_user())
    assert revoke(stack, token).status_code == 422
    r = revoke(stack, token, others="yes")
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "bool_type"
    assert requests.get(f"{stack.base}/sessions/revoke", headers=bearer(token)).status_code == 405
    assert requests.post(f"{stack.base}/sessions", headers=bearer(token)).status_code == 405
    assert requests.get(f"{stack.base}/sessions").status_code == 401


def test_ending_others_needs_the_second_factor_once_enrolled(stack):
    """A session opened with the password alone before the enrolment
    cannot end the sessions that proved the second factor."""
    import pyotp
    import time
    email, password = stack.add_user()
    earlier = stack.token(email, password)
    owner = stack.token(email, password)
    secret = requests.post(f"{stack.base}/mfa/totp/setup", headers=bearer(owner)).json()["secret"]
    code = pyotp.TOTP(secret).at(time.time() - 30)
    assert requests.post(f"{stack.base}/mfa/totp/confirm", json={"code": code}, headers=bearer(owner)).status_code == 200
    r = revoke(stack, earlier, others=True)
    assert r.status_code == 403 and "again" in r.json()["detail"]
    assert requests.get(f"{stack.base}/me", headers=bearer(owner)).status_code == 200
    assert revoke(stack, owner, others=True).status_code == 200
    assert requests.get(f"{stack.base}/me", headers=bearer(earlier)).status_code == 401
