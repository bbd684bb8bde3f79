"""Leaving through nginx and real responders (docs/api.md "Leaving"):
POST delete-account in the step-up window ends every session at once; the
mail carries a restore code good for deletion_grace; gatehousectl gc
deletes what is due; GET export gives the person their data."""
import json
import re
import time

import requests
from conftest import tampered


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def restore_code(stack, email):
    stack.mailbox.wait(email, 1)
    mail = [m for m in stack.mailbox.messages(email) if m["Subject"] == "Your Gatehouse account will be deleted"][-1]
    return re.search(r"enter this restore code:\s+(\S+)", stack.mailbox.text(mail))[1]


def restore(stack, code):
    return requests.post(f"{stack.base}/delete-account/restore", json={"token": code})


def test_leaving_ends_every_session_and_the_restore_code_brings_the_account_back_once(stack, user):
    email, password = user
    token, other = stack.token(email, password), stack.token(email, password)
    r = requests.post(f"{stack.base}/delete-account", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json()["msg"] == "The account will be deleted; every session has ended" and r.json()["delete_after"]
    for t in (token, other):
        assert requests.get(f"{stack.base}/me", headers=bearer(t)).status_code == 401
    refused = stack.sign_in(email, password)
    assert refused.status_code == 400, refused.text
    assert "being deleted" in refused.json()["error_description"]
    deleted = lambda: [m for m in stack.mailbox.messages(email) if m["Subject"] == "Your Gatehouse account will be deleted"]
    stack.mailbox.wait(email, 2)
    assert len(deleted()) == 2, "the right password mails the restore code again"
    stack.sign_in(email, password)
    assert stack.sign_in(email, "not the password").json()["error_description"] == "Invalid username or password", \
        "only the password's holder learns the account is leaving"
    code = restore_code(stack, email)
    assert "/account/delete-account/restore" in stack.mailbox.text(stack.mailbox.messages(email)[0])
    assert restore(stack, tampered(code)).status_code == 403
    r = restore(stack, code)
    assert r.status_code == 200 and r.json() == {"msg": "The account was restored; sign in again"}
    assert stack.token(email, password), "signs in as before"
    assert restore(stack, code).status_code == 403, "the restore code works once"
    stack.mailbox.wait(email, 3)
    assert [m["Subject"] for m in stack.mailbox.messages(email)].count("Your Gatehouse account will be deleted") == 2, \
        "the second refused sign-in mailed nothing: once an hour"
    assert "Your Gatehouse account was restored" in [m["Subject"] for m in stack.mailbox.messages(email)]


def test_gc_deletes_an_account_whose_grace_is_over(make_stack):
    s = make_stack(deletion_grace="0")
    email, password = s.add_user()
    token = s.token(email, password)
    assert requests.post(f"{s.base}/delete-account", headers=bearer(token)).status_code == 200
    assert restore(s, restore_code(s, email)).status_code == 403, "no grace, no restore"
    out = s.ctl("gc").stdout
    assert "deleted 1 accounts" in out, out
    assert s.ctl("user", "show", email, check=False).returncode == 4
    assert s.count_records("sessions") == 0
    s.ctl("user", "add", email, input="a new passphrase\n")
    assert s.token(email, "a new passphrase"), "the address is free for a new account"
    assert "deleted 0 accounts" in s.ctl("gc").stdout


def test_leaving_needs_the_step_up_window_and_a_session(stack, user):
    assert requests.post(f"{stack.base}/delete-account").status_code == 401
    assert requests.get(f"{stack.base}/export").status_code == 401


def test_export_gives_the_account_its_factors_sessions_and_audit_lines_without_secrets(stack, user):
    email, password = user
    token = stack.token(email, password)
    r = requests.get(f"{stack.base}/export", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Disposition"] == 'attachment; filename="account-export.json"'
    data = r.json()
    assert data["account"]["email"] == email
    assert data["factors"] == {"authenticator_app": False, "recovery_codes_left": 0, "passkeys": []}
    assert [s["current"] for s in data["sessions"]] == [True]
    events = [line["event"] for line in data["audit"]]
    assert "user_added" in events and "signin_ok" in events
    assert all(line["user"] == email for line in data["audit"])
    text = json.dumps(data)
    assert token not in text and "argon2" not in text and password not in text


def test_an_export_holds_nothing_of_an_earlier_account_of_the_address(stack, user):
    email, password = user
    stack.token(email, password)
    stack.ctl("user", "del", email)
    time.sleep(1.1)
    stack.ctl("user", "add", email, input="another persons passphrase\n")
    data = requests.get(f"{stack.base}/export", headers=bearer(stack.token(email, "another persons passphrase"))).json()
    assert [line["event"] for line in data["audit"]] == ["user_added", "signin_ok"], data["audit"]


def test_an_export_holds_nothing_of_whoever_took_the_old_address_after_a_change(stack, user):
    """An account moved from a@ to b@: while the old address may still undo
    the change, the export reads lines about it, but only those written up
    to the change. Someone who signs up with the freed address afterwards
    (the owner, after a takeover) is not shown to the account's holder."""
    from test_change_email import change, confirm, new_address
    email, password = user
    token = stack.token(email, password)
    new = new_address()
    assert confirm(stack, token, new, change(stack, token, new)).status_code == 200
    time.sleep(1.1)
    stack.ctl("user", "add", email, input="the old addresses new owner\n")
    stack.sign_in(email, "the old addresses new owner", ip="203.0.113.77")
    data = requests.get(f"{stack.base}/export", headers=bearer(token)).json()
    lines = data["audit"]
    assert any(line.get("user") == email for line in lines), "the old address's lines from before the change are in it"
    assert not [line for line in lines if line.get("ip") == "203.0.113.77"], lines
    assert len([line for line in lines if line["event"] == "user_added"]) == 1, "the account's own, not the new owner's"
