"""Shared fixtures: real processes only. A `Stack` is scripts/stack — the
same nginx + spawn-fcgi set-up `make run` uses — in a temporary directory on
a free port, with the binaries from $GATEHOUSE_BIN."""
import os
import secrets
import socket
import subprocess
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("GATEHOUSE_BIN", ROOT / ".build" / "release"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, var: Path, **settings):
        self.var = var
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/account"
        self.config = var / "gatehouse.conf"
        # Tests speak for many "clients" through one loopback address by
        # naming them in X-Forwarded-For, which is only believed because
        # 127.0.0.1 is configured as a trusted proxy.
        conf = {"data_dir": str(var / "data"), "trusted_proxies": "127.0.0.1", "maildir": str(var / "mail"),
                "templates_dir": str(ROOT / "deploy" / "templates"),
                "password_blocklist": str(ROOT / "deploy" / "blocklist" / "common-passwords.txt"), **settings}
        var.mkdir(parents=True, exist_ok=True)
        self.config.write_text("".join(f"{k} = {v}\n" for k, v in conf.items()))

    def start(self):
        subprocess.run([ROOT / "scripts" / "stack", "start", self.var, str(self.port), BIN, "2"], check=True)
        return self

    def stop(self):
        subprocess.run([ROOT / "scripts" / "stack", "stop", self.var], check=False)

    def ctl(self, *args, input=None, check=True):
        env = {**os.environ, "GATEHOUSE_CONFIG": str(self.config)}
        return subprocess.run([BIN / "gatehousectl", *map(str, args)], input=input, capture_output=True,
                              text=True, env=env, check=check)

    def add_user(self, email=None, password=None):
        email = email or f"u{secrets.token_hex(4)}@example.com"
        password = password or "pw-" + secrets.token_urlsafe(12)
        self.ctl("user", "add", email, input=password + "\n")
        return email, password

    def client_ip(self):
        return f"203.0.113.{secrets.randbelow(250) + 1}"

    def sign_in(self, email, password, ip=None, **kw):
        return requests.post(f"{self.base}/token",
                             data={"grant_type": "password", "username": email, "password": password},
                             headers={"X-Forwarded-For": ip or self.client_ip()}, **kw)

    def token(self, email, password):
        r = self.sign_in(email, password)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def error_log(self):
        p = self.var / "log" / "nginx-error.log"
        return p.read_text(errors="replace") if p.exists() else ""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack")).start()
    yield s
    s.stop()


@pytest.fixture
def make_stack(tmp_path_factory):
    """A stack with its own configuration, for tests that need other limits."""
    started = []

    def make(**settings):
        s = Stack(tmp_path_factory.mktemp("stack"), **settings).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def user(stack):
    return stack.add_user()
