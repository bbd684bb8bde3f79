"""Under each FastCGI server: a worker killed with SIGKILL under load costs
clients at most a clean 5xx, never a torn or wrong answer, and the server
(multiwatch, lighttpd, mod_fcgid) starts a new one; the audit log rotated
by logrotate under load loses no line."""
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, Stack

FASTCGI_SERVERS = ["nginx", "lighttpd", "apache-fcgid"]


@pytest.fixture(scope="module", params=FASTCGI_SERVERS)
def site(request, tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp(request.param), server=request.param).start()
    yield s
    s.stop()


def descendants(root):
    """Every process below `root`, by walking /proc."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def workers(site, name):
    roots = {"nginx": site.var / "run" / f"{name}.pid", "lighttpd": site.var / "run" / "lighttpd.pid",
             "apache-fcgid": site.var / "run" / "apache.pid"}[site.server]
    found = []
    for root in map(int, roots.read_text().split()):
        for pid in descendants(root):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                    found.append(pid)
            except OSError:
                pass
    return sorted(found)


def under_load(site, request, seconds, during):
    """Four clients repeat `request` for `seconds`; `during` runs midway."""
    answers, stop = [], threading.Event()

    def client():
        while not stop.is_set():
            try:
                answers.append(request())
            except requests.RequestException as e:  # a connection cut short is a torn answer
                answers.append(("torn", str(e)))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(seconds / 2)
        during()
        time.sleep(seconds / 2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    return answers


def test_a_killed_worker_costs_no_wrong_answer_and_comes_back(site):
    email, password = site.add_user()
    token = site.token(email, password)

    def me():
        r = requests.get(f"{site.base}/me", headers={"Authorization": f"Bearer {token}"})
        return r.status_code, r.text

    me()
    before = workers(site, "me")
    assert before, "no me worker found"
    answers = under_load(site, me, 3, lambda: os.kill(before[0], signal.SIGKILL))
    assert {status for status, _ in answers} <= {200, 500, 502, 503}, {status for status, _ in answers}
    for status, text in answers:
        if status == 200:
            assert json.loads(text)["email"] == email  # whole, and this user's
    assert sum(status == 200 for status, _ in answers) > len(answers) // 2
    # The server started a new worker in place of the killed one.
    deadline = time.time() + 10
    while time.time() < deadline and (before[0] in workers(site, "me") or not workers(site, "me")):
        me()
        time.sleep(0.2)
    assert before[0] not in workers(site, "me") and workers(site, "me")
    assert me()[0] == 200


def test_logrotate_under_load_loses_no_audit_line(site, tmp_path):
    audit = site.var / "data" / "audit.log"
    config = tmp_path / "logrotate.conf"
    config.write_text(f"{audit} {{\n  rotate 5\n  missingok\n  create 0600\n}}\n")
    counter = iter(range(1_000_000))

    def fail():
        n = next(counter)
        r = site.sign_in(f"nobody{n}@example.com", "guess", ip=f"198.51.{n // 250 % 250}.{n % 250 + 1}")
        return r.status_code, ""

    def failed_sign_ins(*files):
        return sum(json.loads(line)["event"] == "signin_failed" for f in files if f.exists() for line in f.read_text().splitlines())

    before = failed_sign_ins(audit)
    answers = under_load(site, fail, 3, lambda: subprocess.run(
        ["logrotate", "-f", "-s", str(tmp_path / "state"), str(config)], check=True))
    rotated = Path(str(audit) + ".1")
    assert rotated.exists(), "logrotate rotated the log"
    assert all(status in (400, 429) for status, _ in answers), answers
    failures = sum(status == 400 for status, _ in answers)
    assert failures > 10
    assert failed_sign_ins(rotated, audit) == before + failures
    assert audit.exists() and audit.read_text(), "the responders went on writing into the new file"
