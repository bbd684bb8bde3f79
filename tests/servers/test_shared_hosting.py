"""Apache plain CGI configured by the shipped .htaccess alone (shared
hosting). Apache's mod_cgi and mod_cgid keep the old ISINDEX convention: a
query string without "=" is split on "+" and handed to the program as its
command line. Neither the query string nor anything else a client sends
may become a responder's options: `?--listen+gatehouse.conf` must not
replace the configuration with a socket, `?--listen+0.0.0.0:PORT` must not
open a FastCGI port that believes any REMOTE_ADDR it is sent."""
import subprocess

import pytest
import requests

from conftest import Stack, free_port

SERVER = "apache-cgi"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp(SERVER), server=SERVER).start()
    yield s
    s.stop()


def programs(site):
    return site.var / "www" / "account"


def snapshot(site):
    """Every entry of the programs' directory and the data directory, with
    its type, size and modification time: a socket put in a file's place,
    or a new file, shows."""
    entries = {}
    for base in (programs(site), site.var / "data"):
        for p in sorted(base.iterdir()):
            st = p.lstat()
            entries[str(p)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return entries


def listening():
    out = subprocess.run(["ss", "-Hltnx"], capture_output=True, text=True, check=True).stdout
    return {line.split()[4] for line in out.splitlines() if line.strip()}


def queries(port):
    return ["--listen+x", "--help", "-h", "--listen+gatehouse.conf", "--listen+.htaccess",
            f"--listen+0.0.0.0%3A{port}", "--backlog+5+--listen+%2Ftmp%2Fgatehouse-probe.sock"]


def test_the_shipped_htaccess_refuses_a_query_without_an_equals_sign(site):
    before, sockets = snapshot(site), listening()
    for q in queries(free_port()):
        r = requests.get(f"{site.base}/token?{q}", timeout=10)
        assert r.status_code == 403, (q, r.status_code)
    # An ordinary query string is untouched.
    assert requests.get(f"{site.base}/token?rd=%2F", timeout=10).status_code == 200
    assert snapshot(site) == before and listening() == sockets


def test_under_cgi_a_responder_takes_no_options(site):
    """With the .htaccess refusal taken out (a host whose rewrite rules
    differ), the responder itself must ignore the command line: each such
    request is answered as the plain GET it is, nothing is created or
    replaced, nothing starts listening."""
    htaccess = programs(site) / ".htaccess"
    shipped = htaccess.read_text()
    lines = shipped.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("RewriteCond %{QUERY_STRING}"))
    htaccess.write_text("".join(lines[:at] + lines[at + 2:]))
    try:
        plain = requests.get(f"{site.base}/token", timeout=10)
        assert plain.status_code == 200 and 'name="password"' in plain.text
        before, sockets = snapshot(site), listening()
        port = free_port()
        for q in queries(port):
            r = requests.get(f"{site.base}/token?{q}", timeout=10)
            assert r.status_code == 200 and 'name="password"' in r.text, (q, r.status_code, r.text[:200])
        r = requests.get(f"{site.base}/me?-h", headers={"Accept": "application/json"}, timeout=10)
        assert r.status_code == 401 and r.json() == {"detail": "Not authenticated"}
        assert snapshot(site) == before
        assert listening() == sockets
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
        # The configuration is still the file it was: every endpoint still works.
        email, password = site.add_user()
        assert site.sign_in(email, password, timeout=10).status_code == 200
    finally:
        htaccess.write_text(shipped)


@pytest.mark.parametrize("name", ["gatehousectl", "gatehouse.conf", "verify", ".htaccess", "token.old", "x.php"])
def test_only_the_endpoints_and_the_stylesheet_are_served(site, name):
    """Deny by default: a program left beside the responders (a backup, the
    admin tool) is never reachable, whatever its name."""
    (programs(site) / "token.old").write_bytes((programs(site) / "token").read_bytes())
    (programs(site) / "token.old").chmod(0o755)
    r = requests.get(f"{site.base}/{name}?-h", timeout=10)
    assert r.status_code == 403, (name, r.status_code)
    for path in ["/", "/me", "/openapi.json", "/assets/gatehouse.css", "/token"]:
        assert requests.get(f"{site.base}{path}", timeout=10).status_code in (200, 401), path
