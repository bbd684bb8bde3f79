"""Sign-in throttling (docs/security.md): back-off per account after 5
consecutive failures, an hourly budget of failures per client address,
429 with Retry-After; an account locked at the limit."""
import time

import requests


def fail(stack, email, ip):
    return stack.sign_in(email, "wrong-password", ip=ip)


# A first back-off of one second can be over before the next request when
# the failures straddle a second boundary (times are whole seconds), so the
# tests that expect a 429 right away use a longer first back-off.
def test_account_backs_off_after_five_failures(make_stack):
    stack = make_stack(signin_backoff_base="60s")
    user = stack.add_user()
    # Every try from a different address: only the account counter can trip.
    for i in range(5):
        assert fail(stack, user[0], f"198.51.100.{i + 1}").status_code == 400
    r = stack.sign_in(*user, ip="198.51.100.99")
    assert r.status_code == 429
    assert 58 <= int(r.headers["Retry-After"]) <= 60
    assert r.json() == {"detail": "Too many failed attempts; try again later"}


def test_backoff_doubles(make_stack):
    stack = make_stack(signin_backoff_base="5s")
    user = stack.add_user()
    ip = stack.client_ip()
    for _ in range(5):
        fail(stack, user[0], ip)
    first = fail(stack, user[0], ip)
    assert first.status_code == 429
    wait = int(first.headers["Retry-After"])
    assert 4 <= wait <= 5
    time.sleep(wait + 1.1)
    assert fail(stack, user[0], ip).status_code == 400  # the sixth real try, still wrong
    second = fail(stack, user[0], ip)
    assert second.status_code == 429
    assert 9 <= int(second.headers["Retry-After"]) <= 10


def test_client_address_has_an_hourly_budget_across_accounts(make_stack):
    stack = make_stack(signin_failures_per_hour_per_ip=5)
    ip = stack.client_ip()
    for i in range(5):
        assert fail(stack, f"spray{i}@example.com", ip).status_code == 400
    victim = stack.add_user()
    r = stack.sign_in(*victim, ip=ip)
    assert r.status_code == 429 and 3500 < int(r.headers["Retry-After"]) <= 3600
    assert stack.sign_in(*victim, ip=stack.client_ip()).status_code == 200


def test_success_clears_the_accounts_count(stack, user):
    ip = stack.client_ip()
    for _ in range(4):
        fail(stack, user[0], ip)
    assert stack.sign_in(*user, ip=ip).status_code == 200
    for _ in range(4):
        assert fail(stack, user[0], ip).status_code == 400
    assert stack.sign_in(*user, ip=ip).status_code == 200


def test_lock_after_max_failures(make_stack):
    s = make_stack(signin_max_failures=3, signin_free_failures=100)
    email, password = s.add_user()
    for i in range(3):
        assert s.sign_in(email, "wrong", ip=f"192.0.2.{i + 1}").status_code == 400
    r = s.sign_in(email, password, ip="192.0.2.50")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"
    assert "locked" in r.json()["error_description"]
    assert "locked" in s.ctl("user", "list").stdout
    s.ctl("user", "unlock", email)
    assert s.sign_in(email, password, ip="192.0.2.51").status_code == 200


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(make_stack):
    stack = make_stack(trusted_proxies="", signin_failures_per_hour_per_ip=3)
    for i in range(3):
        assert fail(stack, f"spray{i}@example.com", f"198.51.100.{i + 1}").status_code == 400
    # Another claimed address changes nothing: nginx's REMOTE_ADDR is the client.
    r = fail(stack, "spray9@example.com", "198.51.100.99")
    assert r.status_code == 429
