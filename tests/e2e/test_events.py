"""Account events (docs/events.md): each event reaches both sinks once,
hook_exec (a program with the event on standard input) and hook_url (a
POST signed as Standard Webhooks do, checked here with that project's own
Python library), from real responders behind nginx; a sink that is down
loses nothing; a request never waits for a sink."""
import http.server
import json
import re
import secrets
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from standardwebhooks.webhooks import Webhook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import softauthn  # noqa: E402
from conftest import free_port  # noqa: E402
from test_breached_passwords import corpus  # noqa: E402
from test_leaving import restore, restore_code  # noqa: E402
from test_passkeys import register  # noqa: E402
from test_second_factor import enrol  # noqa: E402
from test_change_email import change, confirm, undo_token  # noqa: E402

SECRET = "whsec_" + __import__("base64").b64encode(secrets.token_bytes(32)).decode()
BREACHED = "a password from the breach"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class Receiver:
    """An HTTP endpoint that keeps every POST (headers and body) and
    answers 204, or 503 while `down`."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.got = []
        self.down = False
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.down:
                    self.send_response(503)
                else:
                    receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/gatehouse"

    def events(self):
        """Each POST's event, after its signature was checked."""
        return [Webhook(SECRET).verify(body, headers) for headers, body in self.got]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def hook_program(tmp_path, fail_flag=None):
    """A program that keeps each event in a file named by its id, with the
    environment it was given; exits 1 while `fail_flag` exists."""
    out = tmp_path / "exec-out"
    out.mkdir()
    script = tmp_path / "hook.sh"
    fail = f'[ -e "{fail_flag}" ] && exit 1\n' if fail_flag else ""
    # Written aside and renamed, so that the test never reads a file half made.
    script.write_text("#!/bin/sh\n" + fail + f'cat > "{out}/.$GATEHOUSE_EVENT_ID"\n'
                      + f'env > "{out}/$GATEHOUSE_EVENT_ID.env"\n' + f'echo "$GATEHOUSE_EVENT_ID" >> "{out}/calls"\n'
                      + f'mv "{out}/.$GATEHOUSE_EVENT_ID" "{out}/$GATEHOUSE_EVENT_ID.json"\n')
    script.chmod(0o755)
    return script, out


def program_events(out):
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]


def code_mails(stack, to):
    return [m for m in stack.mailbox.messages(to) if m["Subject"] == "Your Gatehouse one-time code"]


def wait_for(check, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def hook_stack(make_stack, tmp_path, receiver, **settings):
    secret_file = tmp_path / "hook-secret"
    secret_file.write_text(SECRET + "\n")
    script, out = hook_program(tmp_path, settings.pop("fail_flag", None))
    s = make_stack(hook_exec=f"{script}", hook_url=receiver.url, hook_secret_file=str(secret_file), **settings)
    return s, out


def test_each_event_reaches_both_sinks_once_signed(make_stack, tmp_path, receiver):
    s, out = hook_stack(make_stack, tmp_path, receiver, signup_enabled="yes", new_device_notice="yes",
                        breached_password_signin="yes", breached_passwords="warn", signin_free_failures="2", otp_send_cooldown="0")
    s.ctl("breach", "import", corpus(tmp_path / "corpus.txt", [BREACHED], filler=1000))
    secrets_seen = []
    ip = "198.18.7.10"

    # account.created, by sign-up
    email, password = f"ev-{secrets.token_hex(3)}@example.org", "pw-" + secrets.token_urlsafe(12)
    secrets_seen.append(password)
    assert requests.post(f"{s.base}/signup", json={"email": email, "password": password}).status_code == 200
    code = s.mailbox.code(email)
    secrets_seen.append(code)
    r = requests.post(f"{s.base}/verify-otp", json={"email": email, "code": code, "purpose": "signup", "password": password},
                      headers={"X-Forwarded-For": ip})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    secrets_seen.append(token)
    # signin.succeeded; then signin.new_device from another network
    secrets_seen.append(s.sign_in(email, password, ip=ip).json()["access_token"])
    secrets_seen.append(s.sign_in(email, password, ip="203.0.113.9").json()["access_token"])
    # signin.failed: past the back-off (signin_free_failures = 2)
    for _ in range(2):
        assert s.sign_in(email, "wrong-" + password, ip=ip).status_code == 400
    # password.changed, then password.reset
    new = "pw-" + secrets.token_urlsafe(12)
    secrets_seen.append(new)
    time.sleep(1.1)  # the back-off of the second failure
    r = requests.post(f"{s.base}/change-password", headers={**bearer(token), "X-Forwarded-For": ip},
                      json={"old_password": password, "new_password": new, "confirm_password": new})
    assert r.status_code == 200, r.text
    token = s.sign_in(email, new, ip=ip).json()["access_token"]
    codes_before = len(code_mails(s, email))
    assert s.send_code(email, purpose="reset", ip=ip).status_code == 200
    wait_for(lambda: len(code_mails(s, email)) > codes_before)
    reset_code = re.search(r"^\s+(\d{6,10})\s*$", s.mailbox.text(code_mails(s, email)[-1]), re.M)[1]
    secrets_seen.append(reset_code)
    grant = requests.post(f"{s.base}/verify-otp", json={"email": email, "code": reset_code, "purpose": "reset"}).json()["reset_token"]
    secrets_seen.append(grant)
    newer = "pw-" + secrets.token_urlsafe(12)
    secrets_seen.append(newer)
    r = requests.post(f"{s.base}/change-password", headers=bearer(grant), json={"new_password": newer, "confirm_password": newer})
    assert r.status_code == 200, r.text
    token = s.sign_in(email, newer, ip=ip).json()["access_token"]
    # mfa.enabled, mfa.disabled
    totp_secret, recovery = enrol(s, token)
    secrets_seen += [totp_secret, *recovery]
    assert requests.post(f"{s.base}/mfa/totp/disable", headers=bearer(token)).status_code == 200
    # passkey.added, passkey.removed
    r, cred, _, _ = register(s, token)
    assert r.status_code == 200, r.text
    r = requests.post(f"{s.base}/passkeys/remove", json={"id": softauthn.b64url(cred.id)}, headers=bearer(token))
    assert r.status_code == 200, r.text
    # email.changed
    moved = f"moved-{secrets.token_hex(3)}@example.net"
    assert confirm(s, token, moved, change(s, token, moved)).status_code == 200
    # email.reverted: another account's old address undoes its change
    third, third_pw = s.add_user()
    third_token = s.token(third, third_pw)
    assert confirm(s, third_token, f"x-{moved}", change(s, third_token, f"x-{moved}")).status_code == 200
    undo, _ = undo_token(s, third)
    secrets_seen.append(undo)
    assert requests.post(f"{s.base}/change-email/undo", json={"token": undo}).status_code == 200
    # No event for guesses at an address without an account, but the same disk work.
    for _ in range(2):
        assert s.sign_in("nobody-here@example.org", "wrong", ip=ip).status_code == 400
    assert (s.var / "data" / "events" / "url" / "decoy").exists()
    # password.breached: a sign-in with a password the corpus has
    breached = s.add_user(password=BREACHED)[0]
    r = s.sign_in(breached, BREACHED, ip=ip)
    assert r.status_code == 200 and r.json()["password_breached"] is True, r.text
    # account.locked (by the administrator)
    s.ctl("user", "lock", breached)
    # account.deletion_requested, account.restored, then account.deleted
    assert requests.post(f"{s.base}/delete-account", headers=bearer(token)).status_code == 200
    rc = restore_code(s, moved)
    secrets_seen.append(rc)
    assert restore(s, rc).status_code == 200
    s.ctl("user", "del", breached)

    expected = {"account.created", "signin.succeeded", "signin.new_device", "signin.failed", "password.changed",
                "password.reset", "mfa.enabled", "mfa.disabled", "passkey.added", "passkey.removed", "email.changed",
                "email.reverted", "password.breached", "account.locked", "account.deletion_requested", "account.restored", "account.deleted"}
    wait_for(lambda: expected <= {e["type"] for e in receiver.events()} and expected <= {e["type"] for e in program_events(out)})
    time.sleep(1)  # nothing more is on its way
    by_url, by_program = receiver.events(), program_events(out)
    ids = [e["id"] for e in by_url]
    assert len(ids) == len(set(ids)), "an event reached hook_url twice"
    assert sorted(ids) == sorted(e["id"] for e in by_program), "both sinks got the same events"
    assert sorted((out / "calls").read_text().split()) == sorted(ids), "the program ran once per event"
    assert sorted(json.dumps(e, sort_keys=True) for e in by_url) == sorted(json.dumps(e, sort_keys=True) for e in by_program)
    # One signature check that fails, so that the passing ones mean something.
    headers, body = receiver.got[0]
    with pytest.raises(Exception):
        Webhook(SECRET).verify(body.replace(b"}", b" }", 1), headers)
    for e in by_url:
        assert set(e) == {"id", "type", "timestamp", "data"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["timestamp"])
    created = [e for e in by_url if e["type"] == "account.created"]
    assert sorted(e["data"]["email"] for e in created) == sorted([email, third, breached])
    assert [e["data"]["email"] for e in by_url if e["type"] == "signin.failed"] == [email], "none for the unknown address"
    changed = [e for e in by_url if e["type"] == "email.changed"][0]
    assert changed["data"]["email"] == moved and changed["data"]["from"] == email
    env = (out / f"{created[0]['id']}.env").read_text()
    assert "GATEHOUSE_EVENT=account.created\n" in env and "HTTP_" not in env
    # Never a password, code, token, secret or hash.
    text = "".join(p.read_text() for p in out.glob("*.json")) + "".join(b.decode() for _, b in receiver.got)
    for secret in secrets_seen:
        assert secret not in text
    assert "$argon2" not in text
    assert s.ctl("hooks", "list").stdout == ""


def test_a_sink_that_is_down_loses_nothing(make_stack, tmp_path):
    flag = tmp_path / "program-down"
    flag.touch()
    receiver = Receiver()
    receiver.down = True
    try:
        s, out = hook_stack(make_stack, tmp_path, receiver, fail_flag=flag)
        email, password = s.add_user()
        for _ in range(3):
            s.token(email, password)
        # Both sinks failed: everything is still spooled, for each sink.
        wait_for(lambda: len(s.ctl("hooks", "list").stdout.splitlines()) == 8
                 and all(line.split("\t")[3] == "1" for line in s.ctl("hooks", "list").stdout.splitlines()))
        listed = s.ctl("hooks", "list").stdout.splitlines()
        assert sorted({line.split("\t")[0] for line in listed}) == ["exec", "url"]
        assert all("\tqueued\t1\t" in line for line in listed), listed
        assert receiver.got == [] and program_events(out) == []
        # Not due yet: the next try waits its back-off.
        assert s.ctl("hooks", "deliver").stdout == "delivered 0, failed 0, moved to dead letters 0\n"
        receiver.down = False
        flag.unlink()
        r = s.ctl("hooks", "deliver", "--all")
        assert r.stdout == "delivered 8, failed 0, moved to dead letters 0\n"
        assert sorted(e["type"] for e in receiver.events()) == ["account.created"] + ["signin.succeeded"] * 3
        assert sorted(e["id"] for e in receiver.events()) == sorted(e["id"] for e in program_events(out))
        assert s.ctl("hooks", "deliver", "--all").stdout == "delivered 0, failed 0, moved to dead letters 0\n"
        assert s.ctl("hooks", "list").stdout == ""
    finally:
        receiver.stop()


def test_an_event_that_keeps_failing_is_a_dead_letter_until_retried(make_stack, tmp_path, receiver):
    flag = tmp_path / "program-down"
    flag.touch()
    receiver.down = True
    s, out = hook_stack(make_stack, tmp_path, receiver, fail_flag=flag, hook_max_attempts="1")
    s.add_user()
    wait_for(lambda: s.ctl("hooks", "list").stdout.count("\tdead\t") == 2)
    receiver.down = False
    flag.unlink()
    assert s.ctl("hooks", "retry").stdout == "requeued 2\n"
    assert s.ctl("hooks", "deliver").stdout == "delivered 2, failed 0, moved to dead letters 0\n"
    assert [e["type"] for e in receiver.events()] == ["account.created"] == [e["type"] for e in program_events(out)]


def test_a_request_never_waits_for_a_sink(make_stack, tmp_path, receiver):
    script = tmp_path / "slow.sh"
    script.write_text("#!/bin/sh\nsleep 4\ncat > /dev/null\n")
    script.chmod(0o755)
    s = make_stack(hook_exec=str(script), hook_timeout="10s")
    email, password = s.add_user()
    started = time.monotonic()
    assert s.sign_in(email, password).status_code == 200
    assert time.monotonic() - started < 3, "the answer came after the hook's four seconds"
    wait_for(lambda: s.ctl("hooks", "list").stdout == "", timeout=30)


def test_the_settings_are_checked_at_start(make_stack, tmp_path):
    for settings, message in [({"hook_url": "http://hooks.example.org/x", "hook_secret_file": "/dev/null"}, "http:// only to this machine"),
                              ({"hook_url": "https://hooks.example.org/x"}, "hook_url needs the file of the secret"),
                              ({"hook_exec": "hook.sh"}, "must start with the program's absolute path")]:
        conf = tmp_path / f"c{secrets.token_hex(2)}.conf"
        conf.write_text(f"data_dir = {tmp_path}/data\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        from conftest import BIN
        r = __import__("subprocess").run([BIN / "gatehousectl", "--config", conf, "hooks", "list"], capture_output=True, text=True)
        assert r.returncode == 78 and message in r.stderr, r.stderr


def test_deliveries_side_by_side_send_each_event_once(make_stack, tmp_path):
    """Several maintenance runs at once (a timer's, a responder's hand-off,
    an operator's): each sink gets each event once, because a delivery
    holds its event's lock."""
    receiver = Receiver()
    receiver.down = True
    flag = tmp_path / "program-down"
    flag.touch()
    try:
        s, out = hook_stack(make_stack, tmp_path, receiver, fail_flag=flag)
        email, password = s.add_user()
        # 24 sign-ins: the events of at most 20 an hour go to the hooks.
        for _ in range(24):
            s.token(email, password)
        wait_for(lambda: s.ctl("hooks", "list").stdout.count("\tqueued\t1\t") == 42)
        audit = (s.var / "data" / "audit.log").read_text()
        assert audit.count('"event":"signin_ok"') == 24
        receiver.down = False
        flag.unlink()
        import subprocess
        env = {**__import__("os").environ, "GATEHOUSE_CONFIG": str(s.config)}
        runs = [subprocess.Popen([s.ctl_path, "hooks", "deliver", "--all"], env=env, stdout=subprocess.PIPE, text=True)
                for _ in range(6)]
        delivered = [int(re.match(r"delivered (\d+)", run.communicate()[0])[1]) for run in runs]
        assert sum(delivered) == 42, delivered
        url_ids = [e["id"] for e in receiver.events()]
        assert len(url_ids) == 21 == len(set(url_ids))
        assert sorted(e["type"] for e in receiver.events()) == ["account.created"] + ["signin.succeeded"] * 20
        calls = (out / "calls").read_text().split()
        assert len(calls) == 21 == len(set(calls)) and sorted(calls) == sorted(url_ids)
    finally:
        receiver.stop()
