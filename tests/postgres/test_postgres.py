"""PostgreSQL beyond one machine: two complete stacks (two nginx, two sets
of responders, two data directories) sharing one database; the database
stopped under load; the schema commands; moving a site between stores.
These start their own clusters, whichever store the rest of the run uses."""
import subprocess
import tempfile
import threading
import time
import os
from pathlib import Path

import pytest
import requests

from conftest import ROOT, Postgres, Stack


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def shared_pair(tmp_path_factory):
    dsn = Postgres.database()
    # A first back-off of one second can be over before the next request on
    # a busy machine: make it long enough to observe.
    settings = dict(store="postgresql", postgresql_dsn=dsn, signin_backoff_base="60s")
    a = Stack(tmp_path_factory.mktemp("machine-a"), **settings).start()
    b = Stack(tmp_path_factory.mktemp("machine-b"), **settings).start()
    yield a, b
    a.stop()
    b.stop()


def test_two_machines_share_one_user_base(shared_pair):
    a, b = shared_pair
    email, password = a.add_user()
    # Signed in through one, the token works through the other.
    token = a.token(email, password)
    assert requests.get(f"{b.base}/me", headers=bearer(token)).json()["email"] == email
    # A code sent through one verifies through the other.
    assert a.send_code(email, purpose="reset").status_code == 200
    code = a.mailbox.code(email)
    r = requests.post(f"{b.base}/verify-otp", json={"email": email, "code": code, "purpose": "reset"})
    assert r.status_code == 200 and "reset_token" in r.json()
    # Throttling counts across both: five failures split over the two
    # machines start the account's back-off on either.
    for i in range(5):
        assert (a if i % 2 else b).sign_in(email, "wrong", ip=f"198.51.100.{i + 1}").status_code == 400
    assert a.sign_in(email, password, ip="198.51.100.99").status_code == 429
    assert b.sign_in(email, password, ip="198.51.100.98").status_code == 429


def test_one_reset_grant_is_used_once_across_machines(shared_pair):
    a, b = shared_pair
    email, _ = a.add_user()
    a.send_code(email, purpose="reset")
    code = a.mailbox.code(email)
    grant = requests.post(f"{a.base}/verify-otp", json={"email": email, "code": code, "purpose": "reset"}).json()["reset_token"]
    start = threading.Barrier(8)

    def change(i):
        start.wait()
        stack = a if i % 2 else b
        return requests.post(f"{stack.base}/change-password", headers=bearer(grant),
                             json={"new_password": f"shared lantern {i}", "confirm_password": f"shared lantern {i}"}).status_code

    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(change(i))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(200) == 1, results


def test_database_stopped_under_load_gives_clean_503s_then_recovers(tmp_path):
    cluster = tempfile.mkdtemp(prefix="gatehouse-pg-own-")
    os.chmod(cluster, 0o755)
    subprocess.run([ROOT / "scripts" / "postgres", "start", cluster], check=True)
    subprocess.run([ROOT / "scripts" / "postgres", "createdb", cluster, "down"], check=True)
    s = Stack(tmp_path, store="postgresql", postgresql_dsn=f"host={cluster} dbname=down user=postgres").start()
    try:
        email, password = s.add_user()
        token = s.token(email, password)
        statuses = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                r = requests.get(f"{s.base}/me", headers=bearer(token))
                statuses.append((r.status_code, r.headers.get("Retry-After"), r.text))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        subprocess.run([ROOT / "scripts" / "postgres", "stop", cluster], check=True)
        time.sleep(1.5)
        subprocess.run([ROOT / "scripts" / "postgres", "start", cluster], check=True)
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join()
        codes = {c for c, _, _ in statuses}
        assert codes <= {200, 503}, codes
        unavailable = [(r, text) for c, r, text in statuses if c == 503]
        assert unavailable, "the database was stopped for 1.5 s under load"
        assert all(r == "5" for r, _ in unavailable)
        assert all("postgres" not in text.lower() and "connection" not in text.lower() for _, text in unavailable)
        # Back: every worker answers again.
        assert all(requests.get(f"{s.base}/me", headers=bearer(token)).status_code == 200 for _ in range(12))
    finally:
        s.stop()
        subprocess.run([ROOT / "scripts" / "postgres", "stop", cluster], check=False)
        subprocess.run(["rm", "-rf", cluster], check=False)


def test_schema_commands(tmp_path):
    s = Stack(tmp_path, store="postgresql", postgresql_dsn=Postgres.database())
    r = s.ctl("db", "status", check=False)
    assert r.returncode == 1 and "pending" in r.stdout
    # A responder refuses to start on an old schema, saying what to run.
    out = subprocess.run([str(__import__("conftest").BIN / "me")], env={**os.environ, "GATEHOUSE_CONFIG": str(s.config),
                         "REQUEST_METHOD": "GET", "REQUEST_URI": "/account/me"}, capture_output=True, stdin=subprocess.DEVNULL)
    assert out.returncode == 78 and b"gatehousectl db migrate" in out.stderr
    migrated = s.ctl("db", "migrate").stdout
    assert "applied 1 accounts" in migrated and "applied 2 second factor" in migrated
    assert "applied 3 session factors" in migrated and "applied 4 passkeys" in migrated and "applied 5 addresses" in migrated
    assert "applied 6 lifecycle" in migrated
    assert "applied" not in s.ctl("db", "migrate").stdout.split("\n")[0]
    assert s.ctl("db", "status").stdout.strip().splitlines() == ["1 accounts\tapplied", "2 second factor\tapplied",
                                                                  "3 session factors\tapplied", "4 passkeys\tapplied",
                                                                  "5 addresses\tapplied", "6 lifecycle\tapplied"]
    s.ctl("init")
    email, _ = s.add_user()
    assert "checked 1 rows: 0 findings" in s.ctl("fsck").stdout
    assert "removed 0 sessions" in s.ctl("gc").stdout


def test_a_site_moves_between_stores_without_losing_anyone(tmp_path_factory):
    var = tmp_path_factory.mktemp("moving")
    flat = Stack(var, store="flatfile").start()
    email, password = flat.add_user()
    token = flat.token(email, password)
    flat.send_code(email, purpose="verify")
    code = flat.mailbox.code(email)
    flat.stop()
    dsn = Postgres.database()
    with open(flat.config, "a") as f:
        f.write(f"postgresql_dsn = {dsn}\n")
    r = flat.ctl("store", "copy", "--from", "flatfile", "--to", "postgresql")
    assert "copied 1 users, 1 sessions, 1 codes" in r.stdout
    text = flat.config.read_text().replace("store = flatfile", "store = postgresql")
    flat.config.write_text(text)
    moved = flat  # the same machine, now on the database
    moved.store = "postgresql"
    moved.start()
    try:
        assert requests.get(f"{moved.base}/me", headers=bearer(token)).status_code == 200
        r = requests.post(f"{moved.base}/verify-otp", json={"code": code, "purpose": "verify"}, headers=bearer(token))
        assert r.status_code == 200
        assert moved.sign_in(email, password).status_code == 200
        # And back again.
        moved.stop()
        r = moved.ctl("store", "copy", "--from", "postgresql", "--to", "flatfile")
        assert "copied 1 users" in r.stdout
    finally:
        moved.stop()


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def certificate_authority(d, name):
    """A CA made for the test, and a server certificate it signs for
    127.0.0.1 and localhost."""
    d.mkdir()
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "1", "-subj", f"/CN={name}", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
    (d / "san").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "1", "-extfile", "san", cwd=d)
    return d


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """A cluster on 127.0.0.1 with ssl = on and a certificate from a CA
    made here; another CA that signed nothing of it."""
    base = tmp_path_factory.mktemp("tls")
    ours, stranger = certificate_authority(base / "ca", "Gatehouse test CA"), certificate_authority(base / "other", "Someone")
    cluster = tempfile.mkdtemp(prefix="gatehouse-pg-tls-")
    os.chmod(cluster, 0o755)
    for name in ("server.crt", "server.key"):
        (Path(cluster) / name).write_bytes((ours / name).read_bytes())
        os.chmod(Path(cluster) / name, 0o600)
        if os.getuid() == 0:
            subprocess.run(["chown", "postgres", str(Path(cluster) / name)], check=True)
    port = __import__("conftest").free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -c ssl=on -c ssl_cert_file={cluster}/server.crt "
               f"-c ssl_key_file={cluster}/server.key")
    subprocess.run([ROOT / "scripts" / "postgres", "start", cluster], check=True, env={**os.environ, "PG_OPTIONS": options})
    subprocess.run([ROOT / "scripts" / "postgres", "createdb", cluster, "tls"], check=True, env={**os.environ, "PGPORT": str(port)})
    yield dict(socket=cluster, port=port, ca=ours / "ca.crt", stranger=stranger / "ca.crt")
    subprocess.run([ROOT / "scripts" / "postgres", "stop", cluster], check=False)
    subprocess.run(["rm", "-rf", cluster], check=False)


def tcp_dsn(c, **extra):
    return " ".join([f"host=127.0.0.1 port={c['port']} dbname=tls user=postgres", *(f"{k}={v}" for k, v in extra.items())])


def test_the_database_connection_is_verified_tls_when_asked(tls_cluster, tmp_path):
    """postgresql_tls = required on loopback (the check a database off the
    machine gets under auto): every responder's connection is TLS, checked
    against the site's CA."""
    dsn = tcp_dsn(tls_cluster, sslmode="verify-full", sslrootcert=tls_cluster["ca"])
    s = Stack(tmp_path / "site", store="postgresql", postgresql_dsn=dsn, postgresql_tls="required").start()
    try:
        email, password = s.add_user()
        assert requests.get(f"{s.base}/me", headers=bearer(s.token(email, password))).json()["email"] == email
        rows = subprocess.run(["psql", "-h", tls_cluster["socket"], "-p", str(tls_cluster["port"]), "-U", "postgres", "-d", "tls", "-tAc",
                               "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                               "WHERE a.datname = 'tls' AND a.client_addr IS NOT NULL"],
                              capture_output=True, text=True, check=True).stdout.split()
        assert rows and set(rows) == {"t"}, rows
    finally:
        s.stop()


@pytest.mark.parametrize("case", ["unverified", "stranger's CA", "plaintext"])
def test_an_unverified_or_plaintext_database_connection_is_refused(tls_cluster, tmp_path, case):
    dsn = {
        # Encrypted, but anyone's certificate would do: refused before connecting.
        "unverified": tcp_dsn(tls_cluster, sslmode="require"),
        # The server's certificate is not from the CA the site names.
        "stranger's CA": tcp_dsn(tls_cluster, sslmode="verify-full", sslrootcert=tls_cluster["stranger"]),
        # libpq's default (prefer) takes whatever the server offers.
        "plaintext": tcp_dsn(tls_cluster),
    }[case]
    s = Stack(tmp_path / "site", store="postgresql", postgresql_dsn=dsn, postgresql_tls="required")
    # Every command that reaches the database: none sends the server key or a hash over it.
    for command in [("user", "list"), ("init",), ("db", "migrate"), ("store", "copy", "--from", "flatfile", "--to", "postgresql")]:
        r = s.ctl(*command, check=False)
        assert r.returncode != 0, command
        if case == "stranger's CA":
            assert "certificate verify failed" in r.stderr, (command, r.stderr)
        else:
            assert "postgresql_tls" in r.stderr and "sslmode=verify-full" in r.stderr, (command, r.stderr)
    # A responder does not start on it either.
    out = subprocess.run([str(__import__("conftest").BIN / "me")], env={**os.environ, "GATEHOUSE_CONFIG": str(s.config),
                         "REQUEST_METHOD": "GET", "REQUEST_URI": "/account/me"}, capture_output=True, stdin=subprocess.DEVNULL)
    assert out.returncode == 78, out
