"""Acknowledged writes survive a crash: responders serving real requests
through nginx are killed with SIGKILL at random instants (multiwatch starts
new ones), while clients change passwords, sign out and use codes. Every
change whose 200 reached its client must be there afterwards; an answer
that never arrived (502, a dropped connection) may have gone either way.
Then every record parses and fsck is clean. The same for `gatehousectl`,
the other writer: a change it reported (exit 0) is there."""
import os
import random
import re
import signal
import subprocess
import threading
import time

import requests

from conftest import Mailbox, Stack

USERS = 12
SECONDS = 12
KILLED = ["change-password", "logout", "verify-otp", "send-otp", "token"]


def newest_code(site, email, seen, timeout=5):
    """The code of the newest code mail once there are more than `seen`
    (password-changed notices are skipped); None if none comes (a worker
    killed after spooling it leaves it in the outbox)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mails = [m for m in site.mailbox.messages(email) if "code" in m["Subject"]]
        if len(mails) > seen:
            return len(mails), re.search(r"^\s+(\d{6,10})\s*$", Mailbox.text(mails[-1]), re.M).group(1)
        time.sleep(0.05)
    return seen, None


def workers(site, name):
    pids = []
    for pid in (site.var / "run" / f"{name}.pid").read_text().split():
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", pid], capture_output=True, text=True).stdout
        pids += [int(p) for p in out.split()]
    return pids


def test_acknowledged_changes_survive_kill_nine(tmp_path):
    site = Stack(tmp_path / "ack", workers=3, otp_send_cooldown=0, otp_sends_per_hour_per_address=1000,
                 signin_failures_per_hour_per_ip=100000, otp_verify_failures_per_hour_per_ip=100000).start()
    try:
        rng = random.Random(4242)
        users = []
        for i in range(USERS):
            email, password = site.add_user(f"ack{i}@example.com", f"first password {i}")
            users.append({"email": email, "known": password, "maybe": [], "revoked": [], "consumed": [], "n": 0, "mails": 0})
        stop = time.time() + SECONDS
        acknowledged = {"password": 0, "logout": 0, "code": 0}
        kills = []

        def client(u, seed):
            r_ = random.Random(seed)
            while time.time() < stop:
                # After a change whose answer never came, the password is one
                # of the candidates: try the newest first, so no client keeps
                # guessing a stale one into the account's back-off.
                tok = None
                for candidate in [*reversed(u["maybe"]), u["known"]]:
                    try:
                        tok = requests.post(f"{site.base}/token", data={"username": u["email"], "password": candidate},
                                            timeout=10)
                    except requests.RequestException:
                        tok = None
                        break
                    if tok.status_code == 200:
                        if candidate != u["known"]:
                            u["known"], u["maybe"] = candidate, []
                        break
                if tok is None or tok.status_code != 200:
                    continue
                token = tok.json()["access_token"]
                bearer = {"Authorization": f"Bearer {token}"}
                op = r_.choice(["password", "logout", "code"])
                try:
                    if op == "password":
                        u["n"] += 1
                        new = f"fresh phrase {u['n']} for {len(u['email'])}x{id(u) % 997}"
                        u["maybe"].append(new)
                        r = requests.post(f"{site.base}/change-password", headers=bearer, timeout=10, json={
                            "old_password": u["known"], "new_password": new, "confirm_password": new})
                        if r.status_code == 200:
                            u["known"], u["maybe"] = new, []
                            acknowledged["password"] += 1
                    elif op == "logout":
                        if requests.post(f"{site.base}/logout", headers=bearer, timeout=10).status_code == 200:
                            u["revoked"].append(token)
                            acknowledged["logout"] += 1
                    else:
                        if requests.post(f"{site.base}/send-otp", headers=bearer, json={}, timeout=10).status_code != 200:
                            continue
                        u["mails"], code = newest_code(site, u["email"], u["mails"])
                        if code is None:
                            continue
                        if requests.post(f"{site.base}/verify-otp", headers=bearer, json={"code": code},
                                         timeout=10).status_code == 200:
                            u["consumed"].append((token, code))
                            acknowledged["code"] += 1
                except (requests.RequestException, AssertionError):
                    continue  # no answer: may have gone either way

        def killer():
            while time.time() < stop:
                time.sleep(rng.uniform(0.05, 0.3))
                pids = [p for name in KILLED for p in workers(site, name)]
                if pids:
                    pid = rng.choice(pids)
                    try:
                        os.kill(pid, signal.SIGKILL)
                        kills.append(pid)
                    except ProcessLookupError:
                        pass

        threads = [threading.Thread(target=client, args=(u, i)) for i, u in enumerate(users)] + [threading.Thread(target=killer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(1)  # multiwatch brings the killed workers back

        for u in users:
            # The acknowledged password works, unless a change after it whose
            # answer never came went through; then that one does.
            works = [p for p in [u["known"], *u["maybe"]] if site.sign_in(u["email"], p).status_code == 200]
            assert works and (works[0] == u["known"] or works[0] in u["maybe"]), u
            for token in u["revoked"]:
                assert requests.get(f"{site.base}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
            for token, code in u["consumed"]:
                r = requests.post(f"{site.base}/verify-otp", headers={"Authorization": f"Bearer {token}"}, json={"code": code})
                assert r.status_code in (401, 403), r.text  # consumed (or the session since ended)
        fsck = site.ctl("fsck", check=False)
        assert fsck.returncode == 0 and "corrupt" not in fsck.stdout, fsck.stdout + fsck.stderr
        assert len(kills) >= 10 and acknowledged["password"] >= 5, (kills, acknowledged)
        print(f"acknowledged writes: {len(kills)} workers killed with SIGKILL; acknowledged and found again: "
              f"{acknowledged['password']} password changes, {acknowledged['logout']} sign-outs, {acknowledged['code']} codes")
    finally:
        site.stop()


CTL_ROUNDS = 100


def test_acknowledged_gatehousectl_writes_survive_kill_nine(tmp_path):
    """`gatehousectl` as a writer: each round gives a fresh account one
    change (add, set-password, del, lock, sessions revoke) and kills the
    command with SIGKILL at a random instant. A change whose command exited
    0 must be there; one killed first may have gone either way, but never
    half."""
    site = Stack(tmp_path / "ctl", workers=2, signin_failures_per_hour_per_ip=100000).start()
    env = {**os.environ, "GATEHOUSE_CONFIG": str(site.config)}
    rng = random.Random(2611)
    outcomes = {"acknowledged": 0, "killed": 0}
    killed_by_op = {}
    checks = []
    try:
        for i in range(CTL_ROUNDS):
            email, old = site.add_user(f"ctl{i}@example.com", f"first phrase number {i}")
            token = site.token(email, old)
            op = rng.choice(["add", "set-password", "del", "lock", "revoke"])
            new = f"second phrase number {i}"
            target = f"ctl-new{i}@example.com" if op == "add" else email
            args = {"add": ["user", "add", target], "set-password": ["user", "set-password", target],
                    "del": ["user", "del", target], "lock": ["user", "lock", target],
                    "revoke": ["sessions", "revoke", "--user", target]}[op]
            proc = subprocess.Popen([site.ctl_path, *args], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env)
            proc.stdin.write((new + "\n").encode())
            proc.stdin.close()
            # Most of a command's life is start-up and Argon2id: kill anywhere in it.
            time.sleep(rng.uniform(0, 0.07))
            proc.send_signal(signal.SIGKILL)
            acknowledged = proc.wait() == 0
            outcomes["acknowledged" if acknowledged else "killed"] += 1
            if not acknowledged:
                killed_by_op[op] = killed_by_op.get(op, 0) + 1
            checks.append((op, target, old, new, token, acknowledged))

        def signs_in(who, password):
            return site.sign_in(who, password).status_code == 200

        def session_lives(token):
            return requests.get(f"{site.base}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

        for op, target, old, new, token, acknowledged in checks:
            if op == "add":
                done = signs_in(target, new)
            elif op == "set-password":
                done = signs_in(target, new)
                # Never both, never neither: the old password or the new one.
                assert done != signs_in(target, old), (op, target)
                assert not (done and session_lives(token)), (op, target)
            elif op == "del":
                done = site.ctl("user", "show", target, check=False).returncode == 4
                assert done == (not signs_in(target, old)), (op, target)
            elif op == "lock":
                done = not signs_in(target, old)
                assert not (done and session_lives(token)), (op, target)
            else:
                done = not session_lives(token)
            assert done or not acknowledged, (op, target, "acknowledged but not there")
        fsck = site.ctl("fsck", check=False)
        assert fsck.returncode == 0 and "corrupt" not in fsck.stdout, fsck.stdout + fsck.stderr
        assert outcomes["acknowledged"] >= 10 and outcomes["killed"] >= 10, outcomes
        print(f"gatehousectl killed with SIGKILL: {outcomes['killed']} of {CTL_ROUNDS} commands {killed_by_op}; "
              f"{outcomes['acknowledged']} acknowledged changes found again")
    finally:
        site.stop()
