"""Shared fixtures: real processes only. A `Stack` is scripts/stack — the
same nginx + spawn-fcgi set-up `make run` uses — in a temporary directory on
a free port, with the binaries from $GATEHOUSE_BIN."""
import email
import email.policy
import os
import random
import re
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("GATEHOUSE_BIN", ROOT / ".build" / "release"))
# Which store the stacks use: flatfile (the default) or postgresql. `make
# test` runs the end-to-end and concurrency suites once with each.
STORE = os.environ.get("GATEHOUSE_TEST_STORE", "flatfile")


class Postgres:
    """One throwaway cluster (scripts/postgres) for the whole run; each stack
    gets a database of its own."""
    directory = None

    @classmethod
    def database(cls):
        if cls.directory is None:
            import atexit
            import tempfile
            cls.directory = tempfile.mkdtemp(prefix="gatehouse-pg-")
            os.chmod(cls.directory, 0o755)
            subprocess.run([ROOT / "scripts" / "postgres", "start", cls.directory], check=True)
            atexit.register(cls.stop)
        name = "gh_" + secrets.token_hex(6)
        subprocess.run([ROOT / "scripts" / "postgres", "createdb", cls.directory, name], check=True)
        return f"host={cls.directory} dbname={name} user=postgres"

    @classmethod
    def stop(cls):
        if cls.directory:
            subprocess.run([ROOT / "scripts" / "postgres", "stop", cls.directory], check=False)
            subprocess.run(["rm", "-rf", cls.directory], check=False)
            cls.directory = None


def tampered(token):
    """The token with its first character changed: every bit of that one
    counts (the last character of unpadded base64 holds padding bits, and
    replacing the end with "AA" can leave the token as it was)."""
    return ("B" if token[0] == "A" else "A") + token[1:]


def free_port(span=1):
    """A port with `span` free ports from it on. Taken below the kernel's
    ephemeral range: a stack listens on PORT, PORT+1 (verify over TCP) and
    PORT+2 (the proxied demo), and a port the kernel hands out is one
    whose neighbours it hands to outgoing connections too (a run lost
    twelve tests to spawn-fcgi finding PORT+1 taken)."""
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    # The runs of `make test` go side by side (scripts/test-e2e): each
    # takes its ports from a third of the range of its own.
    slot = int(os.environ.get("GATEHOUSE_TEST_SLOT", "0")) % 3
    third = (low - 10000) // 3
    start, end = 10000 + slot * third, 10000 + (slot + 1) * third
    for _ in range(200):
        first = random.randrange(start, end - span)
        held = []
        try:
            for port in range(first, first + span):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no free ports below the ephemeral range")


class Stack:
    def __init__(self, var: Path, workers=2, server="nginx", **settings):
        if server.startswith("apache"):
            # Apache's workers run as www-data: their directory must be one
            # they can reach, not pytest's private one.
            import tempfile
            var = Path(tempfile.mkdtemp(prefix=f"gatehouse-{server}-"))
            var.chmod(0o755)
        self.var = var
        self.workers = workers
        self.server = server
        self.port = free_port(span=3)
        self.base = f"http://127.0.0.1:{self.port}/account"
        self.config = var / "gatehouse.conf"
        # Tests speak for many "clients" through one loopback address by
        # naming them in X-Forwarded-For, which is only believed because
        # 127.0.0.1 is configured as a trusted proxy.
        # Passkeys: the relying party is localhost (an IP address cannot be
        # one); the tests' authenticators say the page was http://localhost:PORT.
        self.webauthn_origin = f"http://localhost:{self.port}"
        conf = {"data_dir": str(var / "data"), "trusted_proxies": "127.0.0.1", "maildir": str(var / "mail"),
                "templates_dir": str(ROOT / "deploy" / "templates"),
                "webauthn_rp_id": "localhost", "webauthn_origins": self.webauthn_origin,
                "password_blocklist": str(ROOT / "deploy" / "blocklist" / "common-passwords.txt"),
                # Tests sign in from many made-up client networks: the notice
                # of a new device is on only where a test is about it.
                "new_device_notice": "no", **settings}
        if STORE == "postgresql" and "store" not in settings:
            conf.update(store="postgresql", postgresql_dsn=Postgres.database())
        self.store = conf.get("store", "flatfile")
        self.dsn = conf.get("postgresql_dsn", "")
        var.mkdir(parents=True, exist_ok=True)
        self.config.write_text("".join(f"{k} = {v}\n" for k, v in conf.items()))

    def start(self):
        subprocess.run([ROOT / "scripts" / "stack", "start", self.var, str(self.port), BIN, str(self.workers)], check=True,
                       env={**os.environ, "SERVER": self.server})
        return self

    def stop(self):
        subprocess.run([ROOT / "scripts" / "stack", "stop", self.var], check=False)

    @property
    def ctl_path(self):
        return BIN / "gatehousectl"

    def ctl(self, *args, input=None, check=True):
        env = {**os.environ, "GATEHOUSE_CONFIG": str(self.config)}
        return subprocess.run([self.ctl_path, *map(str, args)], input=input, capture_output=True,
                              text=True, env=env, check=check)

    def add_user(self, email=None, password=None):
        email = email or f"u{secrets.token_hex(4)}@example.com"
        password = password or "pw-" + secrets.token_urlsafe(12)
        self.ctl("user", "add", email, input=password + "\n")
        return email, password

    def client_ip(self):
        """A client of its own: a random address of 198.18.0.0/15, so that
        the budgets of the wider network around it (a /24) are its own too."""
        return f"198.{18 + secrets.randbelow(2)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"

    def sign_in(self, email, password, ip=None, **kw):
        return requests.post(f"{self.base}/token",
                             data={"grant_type": "password", "username": email, "password": password},
                             headers={"X-Forwarded-For": ip or self.client_ip()}, **kw)

    def token(self, email, password):
        r = self.sign_in(email, password)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    @property
    def mailbox(self):
        return Mailbox(self.var / "mail" / "new")

    def send_code(self, email, purpose=None, ip=None, **kw):
        params = {"email": email}
        if purpose:
            params["purpose"] = purpose
        return requests.post(f"{self.base}/send-otp", params=params,
                             headers={"X-Forwarded-For": ip or self.client_ip(), **kw.pop("headers", {})}, **kw)

    def count_records(self, kind):
        """How many users, sessions or codes the store holds, whichever store it is."""
        if self.store == "postgresql":
            dsn = dict(part.split("=", 1) for part in self.dsn.split())
            out = subprocess.run(["psql", "-h", dsn["host"], "-U", dsn["user"], "-d", dsn["dbname"], "-tAc",
                                  f"SELECT count(*) FROM gatehouse_{kind}"], capture_output=True, text=True, check=True)
            return int(out.stdout.strip())
        return len(list((self.var / "data" / kind).glob("*/*/*")))

    def error_log(self):
        p = self.var / "log" / "nginx-error.log"
        return p.read_text(errors="replace") if p.exists() else ""


class Mailbox:
    """Messages as a mail server or Maildir received them."""

    def __init__(self, directory: Path):
        self.directory = directory

    def files(self):
        if not self.directory.exists():
            return []
        found = [p for p in self.directory.rglob("*") if p.is_file() and not p.name.startswith(".")]
        return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def messages(self, to=None):
        out = []
        for p in self.files():
            msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            if to is None or msg["To"] == to:
                out.append(msg)
        return out

    @staticmethod
    def text(msg):
        return msg.get_body(preferencelist=("plain",)).get_content()

    def wait(self, to, count=1, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.messages(to)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} for {to} in {self.directory}")

    def code(self, to, count=1):
        """The code in the newest mail to `to` (waiting for the count-th)."""
        msg = self.wait(to, count)[-1]
        return re.search(r"^\s+(\d{6,10})\s*$", self.text(msg), re.M).group(1)


class SMTPServer:
    """Debian's aiosmtpd (tests/smtp_sink.py) on a free port."""

    def __init__(self, directory: Path, port=None):
        self.port = port or free_port()
        self.mailbox = Mailbox(directory)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests" / "smtp_sink.py"), str(self.port),
                                      str(self.mailbox.directory)], stdout=subprocess.PIPE)
        assert self.proc.stdout.readline().strip() == b"ready"
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def smtp_server(tmp_path):
    server = SMTPServer(tmp_path / "smtp").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack")).start()
    yield s
    s.stop()


@pytest.fixture
def make_stack(tmp_path_factory):
    """A stack with its own configuration, for tests that need other limits."""
    started = []

    def make(workers=2, **settings):
        s = Stack(tmp_path_factory.mktemp("stack"), workers=workers, **settings).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def user(stack):
    return stack.add_user()
