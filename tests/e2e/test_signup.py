"""Self-service sign-up through nginx and real responders (docs/api.md
"Signing up"): off unless signup_enabled; the same answer for a taken and
a new address; the account made only when verify-otp takes the code
(purpose=signup); an invitation-only mode with gatehousectl invite."""
import re
import secrets
import statistics
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from conftest import Stack, tampered


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("signup"), signup_enabled="yes", otp_send_cooldown=0).start()
    yield s
    s.stop()


def new_address():
    return f"new-{secrets.token_hex(4)}@example.org"


def signup(stack, email, password, **extra):
    return requests.post(f"{stack.base}/signup", json={"email": email, "password": password, **extra},
                         headers={"X-Forwarded-For": stack.client_ip()})


def complete(stack, email, code, password="a long enough passphrase"):
    return requests.post(f"{stack.base}/verify-otp", json={"email": email, "code": code, "purpose": "signup", "password": password},
                         headers={"X-Forwarded-For": stack.client_ip()})


def test_a_new_address_gets_an_account_once_its_code_is_verified(site):
    email, password = new_address(), "a long enough passphrase"
    r = signup(site, email, password)
    assert r.status_code == 200, r.text
    assert r.json() == {"msg": "Check your mailbox: a mail is on its way to the address"}
    code = site.mailbox.code(email)
    assert site.sign_in(email, password).status_code == 400, "no account before the code"
    assert site.ctl("user", "show", email, check=False).returncode == 4
    assert complete(site, email, "000000" if code != "000000" else "111111").status_code == 403
    r = requests.post(f"{site.base}/verify-otp", json={"email": email, "code": code, "purpose": "signup"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "password"], "the password comes again"
    r = complete(site, email, code)
    assert r.status_code == 200, r.text
    me = requests.get(f"{site.base}/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["email"] == email and me["email_verified"] is True
    assert site.token(email, password), "the password chosen at sign-up signs in"
    assert complete(site, email, code).status_code == 403, "the code worked once"


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_note(site):
    owner, owner_password = site.add_user()
    fresh = new_address()
    taken_answer = signup(site, owner, "someone else's passphrase")
    new_answer = signup(site, fresh, "someone else's passphrase")
    assert taken_answer.status_code == new_answer.status_code == 200
    assert taken_answer.content == new_answer.content, "byte-identical bodies"
    same = lambda h: {k: v for k, v in h.items() if k not in ("Date",)}
    assert same(taken_answer.headers) == same(new_answer.headers)
    note = site.mailbox.wait(owner, 1)[-1]
    assert note["Subject"] == "Someone tried to sign up at Gatehouse with your address"
    assert not re.search(r"^\s+\d{6,10}\s*$", site.mailbox.text(note), re.M), "no code goes to a taken address"
    assert site.token(owner, owner_password), "the owner's password still works"
    assert site.sign_in(owner, "someone else's passphrase").status_code == 400


def test_a_taken_address_costs_the_same_time_as_a_new_one(site):
    # Both hash the password (one Argon2id, ~25 ms), write a code record and
    # spool one mail. Taken and new alternate, so that a busy machine slows
    # both alike; the medians are compared in the same run.
    owners = [site.add_user()[0] for _ in range(7)]
    taken, fresh = [], []
    for owner in owners:
        for address, samples in ((owner, taken), (new_address(), fresh)):
            t = time.perf_counter()
            assert signup(site, address, "a long enough passphrase").status_code == 200
            samples.append(time.perf_counter() - t)
    ratio = statistics.median(taken) / statistics.median(fresh)
    print(f"sign-up: taken {statistics.median(taken) * 1000:.1f} ms, new {statistics.median(fresh) * 1000:.1f} ms")
    assert 0.5 < ratio < 2, (taken, fresh)


def test_the_password_is_checked_like_a_change_and_nothing_is_sent(site):
    email = new_address()
    for password, reason in [("short", "at least 8"), ("password123", "too common"),
                             (email.split("@")[0] + "-and-more", "must not contain your e-mail address")]:
        r = signup(site, email, password)
        assert r.status_code == 422, r.text
        assert reason in r.text
    assert site.mailbox.messages(email) == []
    r = requests.post(f"{site.base}/signup", json={"email": email, "password": "a long enough passphrase",
                                                   "confirm_password": "something else"})
    assert r.status_code == 400 and r.json() == {"detail": "Passwords do not match"}


def test_a_later_sign_up_of_the_address_never_gives_its_password_to_the_first(site):
    """Someone signs up the address the owner is signing up with, with a
    password of their own, so the newest code mailed is for theirs. The
    owner enters it with the owner's password: refused, and no account
    has the other password."""
    email = new_address()
    assert signup(site, email, "the owners passphrase").status_code == 200
    time.sleep(0.1)
    assert signup(site, email, "an intruders passphrase").status_code == 200
    code = site.mailbox.code(email, count=2)
    r = complete(site, email, code, password="the owners passphrase")
    assert r.status_code == 403 and r.json() == {"detail": "Invalid OTP"}, r.text
    assert site.ctl("user", "show", email, check=False).returncode == 4
    assert site.sign_in(email, "an intruders passphrase").status_code == 400
    assert complete(site, email, code, password="an intruders passphrase").status_code == 403, "the code was spent"


def test_a_browser_signed_in_to_another_account_signs_up_with_its_csrf_token(site):
    """The session cookie makes the post a signed-in one, which needs the
    CSRF token: the form carries it."""
    from test_browser_session import browser_sign_in, cookie_header
    _, signed_in = browser_sign_in(site, *site.add_user())
    html = {"Accept": "text/html", **cookie_header(signed_in)}
    page = requests.get(f"{site.base}/signup", headers=html).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    email = new_address()
    form = {"email": email, "password": "a long enough passphrase", "confirm_password": "a long enough passphrase"}
    origin = {"Origin": f"http://127.0.0.1:{site.port}"}
    assert requests.post(f"{site.base}/signup", data=form, headers={**html, **origin}, allow_redirects=False).status_code == 403
    r = requests.post(f"{site.base}/signup", data={**form, "csrf_token": csrf}, headers={**html, **origin}, allow_redirects=False)
    assert r.status_code == 303 and "/account/verify-otp?purpose=signup" in r.headers.get("Location", ""), r.text[:800]
    assert site.mailbox.code(email)


def test_without_signup_enabled_there_is_no_signup(stack):
    assert requests.get(f"{stack.base}/signup").status_code == 404
    r = requests.post(f"{stack.base}/signup", json={"email": new_address(), "password": "a long enough passphrase"})
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    assert stack.ctl("invite", new_address(), check=False).returncode == 78


def test_the_sign_in_page_offers_sign_up_only_when_open(site, stack):
    assert f'href="/account/signup"' in requests.get(f"{site.base}/token", headers={"Accept": "text/html"}).text
    assert "/account/signup" not in requests.get(f"{stack.base}/token", headers={"Accept": "text/html"}).text


def test_by_invitation_only_an_invited_address_signs_up(make_stack):
    s = make_stack(signup_enabled="invitation", public_origin="https://accounts.example.org")
    invited, other = new_address(), new_address()
    assert signup(s, invited, "a long enough passphrase").status_code == 403
    out = s.ctl("invite", invited)
    assert out.stdout.strip() == f"invited {invited}"
    mail = s.mailbox.wait(invited)[-1]
    assert mail["Subject"] == "You are invited to Gatehouse"
    link = re.search(r"(https://accounts\.example\.org/account/signup\?\S+)", s.mailbox.text(mail))[1]
    query = parse_qs(urlparse(link).query)
    assert query["email"] == [invited]
    invitation = query["invitation"][0]
    page = requests.get(f"{s.base}/signup?" + urlparse(link).query, headers={"Accept": "text/html"})
    assert page.status_code == 200 and f'value="{invitation}"' in page.text and f'value="{invited}"' in page.text
    r = signup(s, other, "a long enough passphrase", invitation=invitation)
    assert r.status_code == 403, "an invitation is its address's alone"
    assert r.json() == {"detail": "Signing up here needs an invitation for this address"}
    assert signup(s, invited, "a long enough passphrase", invitation=tampered(invitation)).status_code == 403
    assert signup(s, invited, "a long enough passphrase", invitation=invitation).status_code == 200
    r = complete(s, invited, s.mailbox.code(invited, count=2))
    assert r.status_code == 200, r.text
    assert s.ctl("invite", invited, check=False).returncode == 5, "an address with an account is not invited"
