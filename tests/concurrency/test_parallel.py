"""The security rules that must hold when requests arrive at once: parallel
clients against a real nginx with 8 workers per responder, so that every
request of a burst is in a different process. One test per invariant of
docs/security.md ("Decisions under parallel requests")."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

WORKERS = 8


def burst(n, fn):
    """Runs fn(0..n-1) in n threads released together; their results."""
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def statuses(responses):
    return sorted(r.status_code for r in responses)


@pytest.fixture(scope="module")
def racing(tmp_path_factory):
    from conftest import Stack
    s = Stack(tmp_path_factory.mktemp("racing"), workers=WORKERS, otp_send_cooldown=0,
              otp_sends_per_hour_per_address=1000, otp_sends_per_hour_per_ip=100000).start()
    yield s
    s.stop()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def change(stack, token, old, new, ip=None):
    body = {"new_password": new, "confirm_password": new}
    if old is not None:
        body["old_password"] = old
    return requests.post(f"{stack.base}/change-password", json=body,
                         headers={**bearer(token), "X-Forwarded-For": ip or stack.client_ip()})


def reset_grant(stack, email):
    ip = stack.client_ip()
    assert stack.send_code(email, purpose="reset", ip=ip).status_code == 200
    code = stack.mailbox.code(email, count=len(stack.mailbox.messages(email)) or 1)
    r = requests.post(f"{stack.base}/verify-otp", json={"email": email, "code": code, "purpose": "reset"},
                      headers={"X-Forwarded-For": ip})
    assert r.status_code == 200, r.text
    return r.json()["reset_token"]


# 1. Compare-and-swap on credentials.

def test_parallel_changes_with_one_old_password_have_one_winner(racing):
    email, password = racing.add_user()
    token = racing.token(email, password)
    news = [f"correct horse {i} battery staple" for i in range(12)]
    answers = burst(12, lambda i: change(racing, token, password, news[i]))
    winners = [i for i, r in enumerate(answers) if r.status_code == 200]
    assert len(winners) == 1, statuses(answers)
    assert all(400 <= r.status_code < 500 for r in answers if r.status_code != 200), statuses(answers)
    assert racing.sign_in(email, news[winners[0]]).status_code == 200
    # Every other password is refused (wrong, or the back-off those wrong tries earn).
    for other in [password] + news[:winners[0]] + news[winners[0] + 1:]:
        assert racing.sign_in(email, other).status_code in (400, 429)
    # The session that made the change is still signed in.
    assert requests.get(f"{racing.base}/me", headers=bearer(token)).status_code == 200


def test_the_changing_session_survives_its_own_parallel_requests(racing):
    email, password = racing.add_user()
    token = racing.token(email, password)

    def act(i):
        if i == 0:
            return change(racing, token, password, "the-one-new-password")
        return requests.get(f"{racing.base}/me", headers=bearer(token))

    answers = burst(8, act)
    assert answers[0].status_code == 200, answers[0].text
    assert requests.get(f"{racing.base}/me", headers=bearer(token)).status_code == 200


def test_an_administrators_password_is_never_overwritten_by_a_change_in_flight(racing):
    email, password = racing.add_user()
    token = racing.token(email, password)
    admin = "set-by-the-administrator"

    def act(i):
        if i == 0:
            return racing.ctl("user", "set-password", email, input=admin + "\n")
        return change(racing, token, password, f"attacker-choice-{i}")

    burst(8, act)
    assert racing.sign_in(email, admin).status_code == 200


# 2. Grants and codes are consumed before they are honoured.

def test_a_reset_grant_is_used_once(racing):
    email, _ = racing.add_user()
    grant = reset_grant(racing, email)
    news = [f"purple otter {i} lantern" for i in range(10)]
    answers = burst(10, lambda i: change(racing, grant, None, news[i]))
    assert statuses(answers).count(200) == 1, statuses(answers)
    winner = next(i for i, r in enumerate(answers) if r.status_code == 200)
    assert racing.sign_in(email, news[winner]).status_code == 200
    assert all(racing.sign_in(email, n).status_code in (400, 429) for n in news if n != news[winner])


def test_the_right_code_verifies_once(racing):
    email, _ = racing.add_user()
    ip = racing.client_ip()
    racing.send_code(email, purpose="reset", ip=ip)
    code = racing.mailbox.code(email)
    answers = burst(10, lambda i: requests.post(f"{racing.base}/verify-otp",
                                                json={"email": email, "code": code, "purpose": "reset"},
                                                headers={"X-Forwarded-For": ip}))
    assert statuses(answers) == [200] + [403] * 9


# 3. Throttling decides and counts in one step.

def invalid_grant(r):
    return r.status_code == 400 and r.json().get("error_description") == "Invalid username or password"


def test_parallel_wrong_passwords_are_all_counted(make_stack):
    s = make_stack(workers=WORKERS, signin_backoff_base="60s")
    email, password = s.add_user()
    # Each guess from its own address: only the account's count can stop them.
    answers = burst(16, lambda i: s.sign_in(email, f"wrong-{i}", ip=f"198.51.100.{i + 1}"))
    assert sum(invalid_grant(r) for r in answers) == 5, [r.status_code for r in answers]
    assert all(r.status_code == 429 for r in answers if not invalid_grant(r))
    assert s.sign_in(email, password, ip="198.51.100.200").status_code == 429


def test_a_burst_from_one_address_gets_no_more_checks(make_stack):
    s = make_stack(workers=WORKERS, signin_backoff_base="60s")
    email, _ = s.add_user()
    answers = burst(24, lambda i: s.sign_in(email, f"wrong-{i}", ip="198.51.100.7"))
    assert sum(invalid_grant(r) for r in answers) == 5, [r.status_code for r in answers]


def test_no_account_sees_more_verifications_than_the_lock_allows(make_stack):
    s = make_stack(workers=WORKERS, signin_free_failures=100, signin_max_failures=10)
    email, password = s.add_user()
    answers = burst(30, lambda i: s.sign_in(email, f"wrong-{i}", ip=f"198.51.100.{i + 1}"))
    assert sum(invalid_grant(r) for r in answers) == 10, [r.json() for r in answers]
    r = s.sign_in(email, password, ip="198.51.100.99")
    assert r.status_code == 400 and "locked" in r.json()["error_description"]


def test_old_password_guesses_share_the_accounting_and_the_lock(make_stack):
    s = make_stack(workers=WORKERS, signin_free_failures=100, signin_max_failures=6)
    email, password = s.add_user()
    token = s.token(email, password)
    answers = burst(16, lambda i: change(s, token, f"wrong-old-{i}", "a brand new password"))
    wrong = [r for r in answers if r.status_code == 403 and r.json()["detail"] == "Old password is incorrect"]
    assert len(wrong) == 6, [r.text for r in answers]
    # The account is now locked for sign-in, and the owner's session lives on.
    r = s.sign_in(email, password)
    assert r.status_code == 400 and "locked" in r.json()["error_description"]
    assert requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 200


# 4. Nobody can lock someone else out for good, or for free.

def test_a_success_clears_the_account_count_not_the_address_count(make_stack):
    s = make_stack(signin_failures_per_hour_per_ip=6)
    ip = s.client_ip()
    own = s.add_user()
    for i in range(5):
        assert invalid_grant(s.sign_in(f"spray{i}@example.com", "guess", ip=ip))
    assert s.sign_in(*own, ip=ip).status_code == 200
    assert invalid_grant(s.sign_in("spray5@example.com", "guess", ip=ip))
    r = s.sign_in("spray6@example.com", "guess", ip=ip)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 3000
    # Someone else, elsewhere, is not affected.
    assert s.sign_in(*own, ip=s.client_ip()).status_code == 200


def test_the_address_limit_holds_across_workers(make_stack):
    s = make_stack(workers=WORKERS, signin_failures_per_hour_per_ip=6)
    answers = burst(20, lambda i: s.sign_in(f"spray{i}@example.com", "guess", ip="198.51.100.33"))
    assert sum(invalid_grant(r) for r in answers) == 6
    assert statuses(answers).count(429) == 14


def test_the_wider_network_limit_holds_across_workers(make_stack):
    """Twenty addresses of one /24, each within its own budget of 3: the
    /24 together gets 2 x 3, however the burst lands on the workers."""
    s = make_stack(workers=WORKERS, signin_failures_per_hour_per_ip=3, wide_network_budget_factor=2)
    answers = burst(20, lambda i: s.sign_in(f"wide{i}@example.com", "guess", ip=f"198.51.100.{i + 1}"))
    assert sum(invalid_grant(r) for r in answers) == 6
    assert statuses(answers).count(429) == 14
    assert invalid_grant(s.sign_in("wide-x@example.com", "guess", ip="198.51.101.1"))


def test_ipv6_clients_are_counted_per_prefix(make_stack):
    s = make_stack(signin_failures_per_hour_per_ip=3)
    for i in range(3):
        assert invalid_grant(s.sign_in(f"v6-{i}@example.com", "guess", ip=f"2001:db8:1:2::{i + 1:x}"))
    # Another address in the same /64 is the same client; another /64 is not.
    assert s.sign_in("v6-x@example.com", "guess", ip="2001:db8:1:2:ffff::9").status_code == 429
    assert invalid_grant(s.sign_in("v6-y@example.com", "guess", ip="2001:db8:1:3::1"))


def test_a_reset_by_code_lifts_the_lock(make_stack):
    s = make_stack(signin_free_failures=100, signin_max_failures=3)
    email, password = s.add_user()
    for i in range(3):
        s.sign_in(email, "wrong", ip=f"192.0.2.{i + 1}")
    assert "locked" in s.sign_in(email, password).json()["error_description"]
    grant = reset_grant(s, email)
    assert change(s, grant, None, "back in without an administrator").status_code == 200
    assert s.sign_in(email, "back in without an administrator").status_code == 200
    assert "account_unlocked" in (s.var / "data" / "audit.log").read_text()


def test_someone_without_the_mailbox_cannot_use_up_the_owners_code_attempts(racing):
    email, _ = racing.add_user()
    attacker = racing.client_ip()

    def guess(i):
        return requests.post(f"{racing.base}/verify-otp", json={"email": email, "code": f"{i:06d}", "purpose": "reset"},
                             headers={"X-Forwarded-For": attacker})

    # Guesses while no code is outstanding, then against the owner's code.
    burst(20, guess)
    owner = racing.client_ip()
    racing.send_code(email, purpose="reset", ip=owner)
    burst(20, guess)
    racing.send_code(email, purpose="reset", ip=owner)
    code = racing.mailbox.code(email, count=2)
    r = requests.post(f"{racing.base}/verify-otp", json={"email": email, "code": code, "purpose": "reset"},
                      headers={"X-Forwarded-For": owner})
    assert r.status_code == 200, r.text


def test_a_resend_never_buys_guesses(racing):
    email, _ = racing.add_user()
    ip = racing.client_ip()
    answers = []
    # Four wrong guesses per code (one fewer than kills it), three codes.
    for _ in range(3):
        racing.send_code(email, purpose="verify", ip=ip)
        answers += burst(4, lambda i: requests.post(
            f"{racing.base}/verify-otp", json={"email": email, "code": "not-it", "purpose": "verify"},
            headers={"X-Forwarded-For": ip}))
    assert statuses(answers).count(403) == 10, statuses(answers)
    racing.send_code(email, purpose="verify", ip=ip)
    code = racing.mailbox.code(email, count=4)
    r = requests.post(f"{racing.base}/verify-otp", json={"email": email, "code": code, "purpose": "verify"},
                      headers={"X-Forwarded-For": ip})
    assert r.status_code == 429


def test_wrong_codes_from_one_address_are_limited_across_accounts(make_stack):
    s = make_stack(workers=WORKERS, otp_send_cooldown=0, otp_sends_per_hour_per_ip=1000,
                   otp_verify_failures_per_hour_per_ip=8)
    emails = [s.add_user()[0] for _ in range(20)]
    for e in emails:
        s.send_code(e, purpose="reset")
    answers = burst(20, lambda i: requests.post(
        f"{s.base}/verify-otp", json={"email": emails[i], "code": "123456", "purpose": "reset"},
        headers={"X-Forwarded-For": "198.51.100.66"}))
    assert statuses(answers) == [403] * 8 + [429] * 12


# 6. Deletion is final.

def test_a_deleted_account_added_again_revives_no_token(racing):
    email, password = racing.add_user()
    token = racing.token(email, password)
    racing.ctl("user", "del", email)
    racing.add_user(email, password)
    assert requests.get(f"{racing.base}/me", headers=bearer(token)).status_code == 401


def test_deletion_ends_codes_and_grants(racing):
    email, password = racing.add_user()
    grant = reset_grant(racing, email)
    racing.send_code(email, purpose="verify")
    code = racing.mailbox.code(email, count=2)
    racing.ctl("user", "del", email)
    racing.add_user(email, password)
    assert change(racing, grant, None, "a password nobody asked for").status_code == 401
    r = requests.post(f"{racing.base}/verify-otp", json={"email": email, "code": code, "purpose": "verify"})
    assert r.status_code == 403


# The second factor (docs/security.md "Second factor"): a TOTP step, a
# recovery code and a second-step ticket are each decided under the
# account's lock (or row lock), so a burst of one of them wins once.

def enrolled(stack):
    import pyotp
    import time
    email, password = stack.add_user()
    token = stack.token(email, password)
    secret = requests.post(f"{stack.base}/mfa/totp/setup", headers=bearer(token)).json()["secret"]
    while time.time() % 30 >= 27:  # the burst below must fall in the step after this one's
        time.sleep(0.2)
    r = requests.post(f"{stack.base}/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).at(time.time() - 30)},
                      headers=bearer(token))
    assert r.status_code == 200, r.text
    return email, password, pyotp.TOTP(secret), r.json()["recovery_codes"]


def one_success(results):
    """One 200; every other request was a counted failure (400), or came
    once the account's back-off had begun (429)."""
    codes = statuses(results)
    return codes.count(200) == 1 and set(codes) <= {200, 400, 429}


def sign_in_with(stack, email, password, code):
    return requests.post(f"{stack.base}/token", data={"username": email, "password": password, "mfa_code": code},
                         headers={"X-Forwarded-For": stack.client_ip()})


def test_one_totp_code_signs_in_once(racing):
    email, password, totp, _ = enrolled(racing)
    code = totp.now()
    results = burst(WORKERS, lambda i: sign_in_with(racing, email, password, code))
    assert one_success(results), [r.text for r in results]


def test_one_recovery_code_signs_in_once(racing):
    email, password, _, recovery = enrolled(racing)
    results = burst(WORKERS, lambda i: sign_in_with(racing, email, password, recovery[0]))
    assert one_success(results), [r.text for r in results]
    r = sign_in_with(racing, email, password, recovery[1])
    if r.status_code == 429:  # the burst's failures after its success back the account off
        import time
        time.sleep(int(r.headers["Retry-After"]))
        r = sign_in_with(racing, email, password, recovery[1])
    assert r.status_code == 200, r.text
    me = requests.get(f"{racing.base}/me", headers=bearer(r.json()["access_token"])).json()
    assert me["mfa"]["recovery_codes_left"] == 8


def test_one_undo_code_undoes_once(racing):
    """The undo code mailed at enrolment, sent 8 times at once with the
    password: it removes the factor and ends every session under the
    account's lock, so one request undoes it and signs in. The others
    either found no factor left to undo (400), came once the back-off had
    begun (429), or read the account after the undo: with no factor, the
    password alone signs in (200), a session under the new epoch."""
    import json
    import re
    email, password, _, _ = enrolled(racing)
    mail = racing.mailbox.wait(email, 1)[0]
    code = re.search(r"^\s+([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3})\s*$", racing.mailbox.text(mail), re.M).group(1)
    results = burst(WORKERS, lambda i: sign_in_with(racing, email, password, code))
    codes = statuses(results)
    assert codes.count(200) >= 1 and set(codes) <= {200, 400, 429}, codes
    audit = [json.loads(line) for line in (racing.var / "data" / "audit.log").read_text().splitlines()]
    assert [e["event"] for e in audit if e.get("user") == email and e["event"] == "mfa_undone"] == ["mfa_undone"], \
        "the code undid the factor once"
    for r in results:
        if r.status_code == 200:
            assert requests.get(f"{racing.base}/me", headers=bearer(r.json()["access_token"])).json()["mfa"]["totp"] is False


def test_a_second_step_ticket_opens_one_session(racing):
    """Parallel posts of one ticket, each with a different good code (the
    step, and recovery codes): the ticket is consumed before a session is
    opened, so one browser sign-in is one session."""
    email, password, totp, recovery = enrolled(racing)
    origin = racing.base.rsplit("/", 1)[0]
    r = requests.post(f"{racing.base}/token", data={"username": email, "password": password},
                      headers={"Accept": "text/html", "Origin": origin}, allow_redirects=False)
    assert r.status_code == 303, r.text
    ticket = r.headers["Set-Cookie"].split(";")[0]
    assert ticket.startswith("gatehouse_session_mfa=")
    codes = [totp.now()] + recovery[:WORKERS - 1]
    results = burst(WORKERS, lambda i: requests.post(
        f"{racing.base}/mfa", data={"code": codes[i]}, allow_redirects=False,
        headers={"Accept": "text/html", "Origin": origin, "Cookie": ticket, "X-Forwarded-For": racing.client_ip()}))
    opened = [r for r in results if "gatehouse_session=" in r.headers.get("Set-Cookie", "")
              and not r.headers["Set-Cookie"].startswith("gatehouse_session=;")]
    assert len(opened) == 1, [(r.status_code, r.headers.get("Location")) for r in results]


def test_one_passkey_assertion_signs_in_once(racing):
    """One assertion (WebAuthn's response to one challenge) sent 8 times at
    once through 8 workers: its challenge is spent under a lock before a
    session opens, so one request signs in and the others are refused."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import softauthn
    email, password = racing.add_user()
    token = racing.token(email, password)
    options = requests.post(f"{racing.base}/passkeys/register/options", headers=bearer(token)).json()
    response, cred = softauthn.create(options, racing.webauthn_origin)
    assert requests.post(f"{racing.base}/passkeys/register", json=response, headers=bearer(token)).status_code == 200
    # A synced passkey's counter stays 0, so the challenge alone stops a replay.
    cred.count = -1
    login = softauthn.get(requests.post(f"{racing.base}/passkeys/login/options").json(), racing.webauthn_origin, cred)
    results = burst(WORKERS, lambda i: requests.post(f"{racing.base}/passkeys/login", json=login,
                                                     headers={"X-Forwarded-For": racing.client_ip()}))
    assert statuses(results).count(200) == 1 and set(statuses(results)) <= {200, 400}, [r.text for r in results]


def test_one_address_is_one_account(racing):
    """Eight administrators' `user add` of one new address at once, each
    its own process with its own random account id: the address index's
    claim decides, so one account is made and the other seven say it
    exists, with no record of theirs left behind."""
    email = f"once-{__import__('secrets').token_hex(4)}@example.com"
    before = racing.count_records("users")
    results = burst(8, lambda i: racing.ctl("user", "add", email, input=f"password number {i}\n", check=False))
    assert sorted(r.returncode for r in results) == [0] + [5] * 7, [r.stderr for r in results]
    assert racing.count_records("users") == before + 1
    winner = next(i for i, r in enumerate(results) if r.returncode == 0)
    assert racing.token(email, f"password number {winner}")


def test_two_changes_to_one_new_address_have_one_winner(racing):
    """Two accounts each hold a right code for the same new address and
    verify it at once, four times over: the address index's claim at the
    moment of the change decides, one account gets it, the other a 409."""
    import secrets
    for _ in range(4):
        new = f"contested-{secrets.token_hex(4)}@example.net"
        tokens, codes = [], []
        for n in (1, 2):
            email, password = racing.add_user()
            token = racing.token(email, password)
            r = requests.post(f"{racing.base}/change-email", json={"new_email": new}, headers=bearer(token))
            assert r.status_code == 200, r.text
            tokens.append(token)
            codes.append(racing.mailbox.code(new, count=n))
        results = burst(2, lambda i: requests.post(f"{racing.base}/verify-otp", headers=bearer(tokens[i]),
                                                   json={"email": new, "code": codes[i], "purpose": "change_email"}))
        assert statuses(results) == [200, 409], [r.text for r in results]
        owners = [requests.get(f"{racing.base}/me", headers=bearer(t)).json()["email"] for t in tokens]
        assert owners.count(new) == 1


def test_one_undo_token_undoes_once(racing):
    """Eight posts of one undo token at once: it is checked again on the
    locked record, whose generation the first undo replaces: one grant."""
    import re
    email, password = racing.add_user()
    token = racing.token(email, password)
    new = "undone-" + email
    assert requests.post(f"{racing.base}/change-email", json={"new_email": new}, headers=bearer(token)).status_code == 200
    r = requests.post(f"{racing.base}/verify-otp", headers=bearer(token),
                      json={"email": new, "code": racing.mailbox.code(new), "purpose": "change_email"})
    assert r.status_code == 200, r.text
    undo = re.search(r"enter this undo code:\s+(\S+)", racing.mailbox.text(racing.mailbox.wait(email, 1)[-1]))[1]
    results = burst(8, lambda i: requests.post(f"{racing.base}/change-email/undo", json={"token": undo}))
    assert statuses(results) == [200] + [403] * 7, [r.text for r in results]
    # The losers left the restored address indexed: the old address signs in again.
    grant = next(r.json()["reset_token"] for r in results if r.status_code == 200)
    r = requests.post(f"{racing.base}/change-password", headers=bearer(grant),
                      json={"new_password": "restored and new 5", "confirm_password": "restored and new 5"})
    assert r.status_code == 200 and racing.token(email, "restored and new 5")


def test_one_address_signs_up_once(make_stack):
    """Eight sign-ups of one new address at once: one pending sign-up is
    left (each replaced the one before), so of the eight codes mailed,
    verified at once, one makes the account and seven are refused."""
    import secrets
    # Seven wrong codes may reach the record before the right one: more
    # tries than that, or the record could die first (otp_max_tries).
    s = make_stack(workers=WORKERS, signup_enabled="yes", otp_send_cooldown=0, otp_sends_per_hour_per_address=1000,
                   signin_free_failures=100, otp_sends_per_hour_per_ip=100000, otp_max_tries=10)
    email = f"signup-{secrets.token_hex(4)}@example.org"
    before = s.count_records("users")
    results = burst(8, lambda i: requests.post(f"{s.base}/signup", json={"email": email, "password": "one passphrase for all"},
                                               headers={"X-Forwarded-For": s.client_ip()}))
    assert statuses(results) == [200] * 8, [r.text for r in results]
    import re
    codes = [re.search(r"^\s+(\d{6,10})\s*$", s.mailbox.text(m), re.M)[1] for m in s.mailbox.wait(email, 8)]
    done = burst(8, lambda i: requests.post(f"{s.base}/verify-otp", headers={"X-Forwarded-For": s.client_ip()},
                                            json={"email": email, "code": codes[i], "purpose": "signup",
                                                  "password": "one passphrase for all"}))
    assert statuses(done) == [200] + [403] * 7, [r.text for r in done]
    assert s.count_records("users") == before + 1
    assert s.token(email, "one passphrase for all")


def test_a_restore_and_a_purge_racing_have_one_outcome(make_stack):
    """A restore posted as gc runs, at the end of the grace, four times
    over: the purge marks the record under its lock before it removes
    anything, and the restore decides on the locked record too, so either
    the account is back whole or it is gone whole (its address free)."""
    import re
    import time
    from datetime import datetime
    s = make_stack(workers=WORKERS, deletion_grace="2")
    for _ in range(4):
        email, password = s.add_user()
        token = s.token(email, password)
        r = requests.post(f"{s.base}/delete-account", headers=bearer(token))
        assert r.status_code == 200, r.text
        deadline = datetime.fromisoformat(r.json()["delete_after"].replace("Z", "+00:00")).timestamp()
        code = re.search(r"enter this restore code:\s+(\S+)", s.mailbox.text(s.mailbox.wait(email, 1)[-1]))[1]
        time.sleep(max(0, deadline - time.time() - 0.02))
        restored, gc = burst(2, lambda i: requests.post(f"{s.base}/delete-account/restore", json={"token": code}) if i == 0
                             else s.ctl("gc", check=False))
        assert gc.returncode == 0, gc.stderr
        if restored.status_code == 200:
            assert s.token(email, password), "restored whole"
            assert "deleted 0 accounts" in s.ctl("gc").stdout
        else:
            assert restored.status_code == 403, restored.text
            s.ctl("gc")
            assert s.ctl("user", "show", email, check=False).returncode == 4
            s.ctl("user", "add", email, input="a new passphrase\n")
            assert s.token(email, "a new passphrase"), "gone whole: the address is free"


def test_one_not_me_code_gives_one_grant(make_stack):
    """Eight posts of one "this wasn't me" code at once: its spent mark is
    decided under the counter's lock, so one ends the session and gets a
    reset grant, seven are refused."""
    import re
    s = make_stack(workers=WORKERS, new_device_notice="yes")
    email, password = s.add_user()
    s.token(email, password)
    r = requests.post(f"{s.base}/token", data={"grant_type": "password", "username": email, "password": password},
                      headers={"X-Forwarded-For": "203.0.113.5", "User-Agent": "curl/8.5.0"})
    assert r.status_code == 200, r.text
    code = re.search(r"enter this code:\s+(\S+)", s.mailbox.text(s.mailbox.wait(email)[-1]))[1]
    results = burst(8, lambda i: requests.post(f"{s.base}/sessions/not-me", json={"token": code}))
    assert statuses(results) == [200] + [403] * 7, [r.text for r in results]
    assert requests.get(f"{s.base}/me", headers=bearer(r.json()["access_token"])).status_code == 401
