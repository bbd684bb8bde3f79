"""A new e-mail address through nginx and real responders (docs/api.md
"A new address"): asked for in the step-up window, a code to the new
address verified at verify-otp with purpose=change_email, the old address
told with an undo token that gives it back, ends every session and asks
for a new password."""
import json
import re

import requests
from test_second_factor import enrol
from conftest import tampered


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_address():
    return f"new-{__import__('secrets').token_hex(4)}@example.net"


def change(stack, token, new):
    r = requests.post(f"{stack.base}/change-email", json={"new_email": new}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return stack.mailbox.code(new)


def confirm(stack, token, new, code):
    return requests.post(f"{stack.base}/verify-otp", json={"email": new, "code": code, "purpose": "change_email"},
                         headers=bearer(token))


def undo_token(stack, old):
    mail = stack.mailbox.wait(old, 1)[-1]
    assert mail["Subject"] == "The e-mail address of your Gatehouse account was changed"
    text = stack.mailbox.text(mail)
    return re.search(r"enter this undo code:\s+(\S+)", text)[1], text


def test_the_address_changes_with_the_code_and_the_old_one_is_told(stack, user):
    email, password = user
    token = stack.token(email, password)
    new = new_address()
    code = change(stack, token, new)
    wrong = confirm(stack, token, new, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 403 and wrong.json() == {"detail": "Invalid OTP"}
    r = confirm(stack, token, new, code)
    assert r.status_code == 200, r.text
    assert r.json() == {"msg": "Email address changed", "email": new}
    me = requests.get(f"{stack.base}/me", headers=bearer(token)).json()
    assert me["email"] == new, "the session goes on, with the account's new address"
    assert stack.sign_in(email, password).status_code == 400, "the old address signs in no more"
    assert stack.token(new, password)
    _, text = undo_token(stack, email)
    assert new in text and "/account/change-email/undo" in text
    assert confirm(stack, token, new, code).status_code == 403, "the code worked once"


def test_a_taken_address_gets_the_same_answer_and_no_code(stack, user):
    email, password = user
    token = stack.token(email, password)
    other, _ = stack.add_user()
    free = new_address()
    answers = []
    for target in (other, free):
        r = requests.post(f"{stack.base}/change-email", json={"new_email": target}, headers=bearer(token))
        answers.append((r.status_code, r.headers.get("Content-Type"), r.content))
    assert answers[0] == answers[1]
    stack.mailbox.wait(free, 1)
    assert stack.mailbox.messages(other) == [], "the taken address's owner gets no code"
    r = requests.post(f"{stack.base}/change-email", json={"new_email": email}, headers=bearer(token))
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].endswith("is the address the account has now")
    r = requests.post(f"{stack.base}/change-email", json={"new_email": "not an address"}, headers=bearer(token))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "new_email"]


def test_an_address_taken_meanwhile_is_refused_at_the_change(stack, user):
    email, password = user
    token = stack.token(email, password)
    new = new_address()
    code = change(stack, token, new)
    stack.add_user(new)
    r = confirm(stack, token, new, code)
    assert r.status_code == 409 and r.json() == {"detail": "This address belongs to another account"}
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).json()["email"] == email


def test_asking_and_confirming_need_the_step_up_window_and_a_session(stack, user):
    """A session opened before a second factor was enrolled elsewhere is
    out of its step-up window until it proves both again: it can neither
    ask for a change nor make one with a code it asked for before."""
    email, password = user
    earlier = stack.token(email, password)
    new = new_address()
    code = change(stack, earlier, new)
    enrol(stack, stack.token(email, password))
    r = requests.post(f"{stack.base}/change-email", json={"new_email": new_address()}, headers=bearer(earlier))
    assert r.status_code == 403 and "again" in r.json()["detail"]
    r = confirm(stack, earlier, new, code)
    assert r.status_code == 403 and "again" in r.json()["detail"]
    assert requests.post(f"{stack.base}/change-email", json={"new_email": new_address()}).status_code == 401
    r = requests.post(f"{stack.base}/verify-otp", json={"email": new, "code": code, "purpose": "change_email"})
    assert r.status_code == 401


def test_the_old_address_undoes_it_once(stack, user):
    email, password = user
    token = stack.token(email, password)
    new = new_address()
    assert confirm(stack, token, new, change(stack, token, new)).status_code == 200
    undo, _ = undo_token(stack, email)
    r = requests.post(f"{stack.base}/change-email/undo", json={"token": undo})
    assert r.status_code == 200, r.text
    grant = r.json()["reset_token"]
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).status_code == 401, "every session ended"
    assert stack.sign_in(email, password).status_code == 400, "the old password no longer signs in"
    assert stack.sign_in(new, password).status_code == 400
    again = requests.post(f"{stack.base}/change-email/undo", json={"token": undo})
    assert again.status_code == 403 and again.json() == {"detail": "Invalid OTP"}, "the token worked once"
    r = requests.post(f"{stack.base}/change-password", json={"new_password": "a fresh one 42", "confirm_password": "a fresh one 42"},
                      headers=bearer(grant))
    assert r.status_code == 200, r.text
    assert stack.token(email, "a fresh one 42")
    audit = [json.loads(line) for line in (stack.var / "data" / "audit.log").read_text().splitlines()]
    assert [e["event"] for e in audit if e.get("user") in (email, new) and e["event"].startswith("email_")] == [
        "email_change_requested", "email_changed", "email_change_undone"]
    for bad in ("", "x" * 80, tampered(undo)):
        assert requests.post(f"{stack.base}/change-email/undo", json={"token": bad}).status_code in (403, 422)


def test_a_second_change_cannot_undo_the_first(stack, user):
    """Whoever holds the session changes A to E and then E to E2: E is told
    without an undo code of its own, and A's code still gives A back and
    takes away every factor they might have added."""
    email, password = user
    token = stack.token(email, password)
    first, second = new_address(), new_address()
    assert confirm(stack, token, first, change(stack, token, first)).status_code == 200
    undo, _ = undo_token(stack, email)
    assert confirm(stack, token, second, change(stack, token, second)).status_code == 200
    told = stack.mailbox.text(stack.mailbox.wait(first, 2)[-1])
    assert "undo code" not in told and "can still undo the change" in told
    r = requests.post(f"{stack.base}/change-email/undo", json={"token": undo})
    assert r.status_code == 200, r.text
    assert stack.mailbox.wait(second, 2)[-1]["Subject"] == "A change of address of your Gatehouse account was undone"
