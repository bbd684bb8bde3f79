"""The notice of a sign-in from a new device through nginx and real
responders (docs/api.md "A new device"): a client network (/24, /48) and
browser family the account has not used in 90 days mails the owner, at
most three times an hour; its code ends that very session and gives a
password reset."""
import re

import requests
from conftest import tampered

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def sign_in(stack, email, password, ip, agent=FIREFOX):
    r = requests.post(f"{stack.base}/token", data={"grant_type": "password", "username": email, "password": password},
                      headers={"X-Forwarded-For": ip, "User-Agent": agent})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def notices(stack, email):
    return [m for m in stack.mailbox.messages(email) if m["Subject"] == "A new sign-in to your Gatehouse account"]


def test_a_new_device_is_told_and_its_code_ends_that_session_and_resets_the_password(make_stack):
    s = make_stack(new_device_notice="yes", public_origin="https://accounts.example.org")
    email, password = s.add_user()
    home = sign_in(s, email, password, "198.51.100.7")
    sign_in(s, email, password, "198.51.100.99")
    assert notices(s, email) == [], "the first device is the baseline, and its own /24 is the same device"
    taker = sign_in(s, email, password, "203.0.113.5")
    mail = s.mailbox.wait(email)[-1]
    text = s.mailbox.text(mail)
    assert mail["Subject"] == "A new sign-in to your Gatehouse account"
    assert "Firefox" in text and "203.0.113.0/24" in text and "203.0.113.5" in text
    assert "https://accounts.example.org/account/sessions/not-me" in text
    code = re.search(r"enter this code:\s+(\S+)", text)[1]
    assert code not in re.findall(r"https?://\S+", text)[0], "the code is never in a link"
    assert requests.post(f"{s.base}/sessions/not-me", json={"token": tampered(code)}).status_code == 403
    r = requests.post(f"{s.base}/sessions/not-me", json={"token": code})
    assert r.status_code == 200 and r.json()["msg"] == "That session ended; set a new password", r.text
    assert requests.get(f"{s.base}/me", headers=bearer(taker)).status_code == 401, "that very session ended"
    assert requests.get(f"{s.base}/me", headers=bearer(home)).status_code == 200, "only that one"
    r = requests.post(f"{s.base}/change-password", headers=bearer(r.json()["reset_token"]),
                      json={"new_password": "mine again 2026", "confirm_password": "mine again 2026"})
    assert r.status_code == 200, r.text
    assert requests.get(f"{s.base}/me", headers=bearer(home)).status_code == 401, "the new password ends the rest"
    assert requests.post(f"{s.base}/sessions/not-me", json={"token": code}).status_code == 403, "the code works once"


def test_at_most_three_notices_an_hour_and_ipv6_by_its_48(make_stack):
    s = make_stack(new_device_notice="yes", signin_free_failures=100)
    email, password = s.add_user()
    sign_in(s, email, password, "198.51.100.7")
    sign_in(s, email, password, "2001:db8:1:2::5")
    sign_in(s, email, password, "2001:db8:1:ff::9")
    assert len(s.mailbox.wait(email)) == 1
    assert "2001:db8:1::/48" in s.mailbox.text(s.mailbox.messages(email)[-1])
    for n in range(4):
        sign_in(s, email, password, f"192.0.{n}.1")
    assert len(s.mailbox.wait(email, 3)) == 3
    sign_in(s, email, password, "198.51.100.7", agent="curl/8.5.0")
    assert len(notices(s, email)) == 3, "another browser is another device, and the hour's three are spent"


def test_the_setting_turns_it_off(stack, user):
    email, password = user
    sign_in(stack, email, password, "198.51.100.7")
    sign_in(stack, email, password, "203.0.113.5")
    assert notices(stack, email) == []
