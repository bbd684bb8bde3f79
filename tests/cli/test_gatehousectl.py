"""gatehousectl: users, import of real hashes, sessions, gc, fsck, exit codes."""
import os
import subprocess
import time

import pytest
import requests

from conftest import BIN, Stack


@pytest.fixture
def ctl(tmp_path):
    s = Stack(tmp_path)
    s.ctl("init")
    return s


def test_init_is_idempotent_and_private(ctl):
    assert "already initialised" in ctl.ctl("init").stdout
    data = ctl.var / "data"
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    assert oct((data / "server.key").stat().st_mode & 0o777) == "0o600"


def test_user_lifecycle_and_exit_codes(ctl):
    assert ctl.ctl("user", "add", "ann@example.com", input="long-enough-pw\n").returncode == 0
    assert ctl.ctl("user", "add", "ann@example.com", input="long-enough-pw\n", check=False).returncode == 5
    assert ctl.ctl("user", "add", "bob@example.com", input="short\n", check=False).returncode == 2
    assert ctl.ctl("user", "add", "not-an-address", input="long-enough-pw\n", check=False).returncode != 0
    shown = ctl.ctl("user", "show", "ann@example.com").stdout
    assert "hash_scheme: argon2id" in shown and "$argon2id$" not in shown
    assert ctl.ctl("user", "show", "zed@example.com", check=False).returncode == 4
    ctl.ctl("user", "lock", "ann@example.com")
    assert "ann@example.com\tlocked" in ctl.ctl("user", "list").stdout
    ctl.ctl("user", "unlock", "ann@example.com")
    assert "ann@example.com\tactive" in ctl.ctl("user", "list").stdout
    ctl.ctl("user", "del", "ann@example.com")
    assert ctl.ctl("user", "del", "ann@example.com", check=False).returncode == 4
    assert ctl.ctl("user", "list").stdout == ""


def test_password_is_never_an_argument(ctl):
    r = ctl.ctl("user", "add", "ann@example.com", "secret-password", check=False)
    assert r.returncode != 0
    assert ctl.ctl("user", "list").stdout == ""


def test_hash_prints_argon2id(ctl):
    out = ctl.ctl("hash", input="some password\n").stdout.strip()
    assert out.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def real_hashes(password):
    """Hashes made by the real tools a site owner would import from."""
    bcrypt = subprocess.run(["htpasswd", "-nbB", "carol@example.com", password], capture_output=True, text=True,
                            check=True).stdout.strip()
    yescrypt = subprocess.run(["mkpasswd", "-m", "yescrypt", password], capture_output=True, text=True,
                              check=True).stdout.strip()
    sha512 = subprocess.run(["mkpasswd", "-m", "sha-512", password], capture_output=True, text=True,
                            check=True).stdout.strip()
    return bcrypt, yescrypt, sha512


def test_import_real_hashes_then_sign_in_upgrades_them(tmp_path):
    s = Stack(tmp_path)
    s.ctl("init")
    password = "imported password 1"
    bcrypt, yescrypt, sha512 = real_hashes(password)
    (tmp_path / "htpasswd").write_text(bcrypt + "\n")
    (tmp_path / "shadow").write_text(f"dave@example.com:{yescrypt}:19000:0:99999:7:::\nroot:!:19000::::::\n")
    (tmp_path / "users.csv").write_text(f"email,hash\neve@example.com,{sha512}\n")
    assert "imported 1 users" in s.ctl("import", "--format", "htpasswd", tmp_path / "htpasswd").stdout
    r = s.ctl("import", "--format", "shadow", tmp_path / "shadow", check=False)
    assert r.returncode == 2  # root's disabled password is refused, with its line number
    assert "line 2" in r.stderr and "imported 1 users" in r.stdout
    assert "imported 1 users" in s.ctl("import", "--format", "csv", tmp_path / "users.csv").stdout
    schemes = {"carol@example.com": "2y", "dave@example.com": "y", "eve@example.com": "6"}
    for email, scheme in schemes.items():
        assert f"hash_scheme: {scheme} (upgraded at next sign-in)" in s.ctl("user", "show", email).stdout
    s.start()
    try:
        for email in schemes:
            assert s.sign_in(email, "wrong password", ip="192.0.2.1").status_code == 400
            assert s.sign_in(email, password).status_code == 200, email
            assert "hash_scheme: argon2id\n" in s.ctl("user", "show", email).stdout + "\n"
            assert s.sign_in(email, password).status_code == 200
    finally:
        s.stop()


def test_sessions_gc_and_fsck(tmp_path):
    # Times are whole seconds on disk: 2 s idle leaves a second of slack.
    s = Stack(tmp_path, session_idle_timeout="2s", session_absolute_timeout="1h")
    s.ctl("init")
    email, password = s.add_user()
    s.start()
    try:
        token = s.token(email, password)
        assert email in s.ctl("sessions", "list").stdout
        import time
        time.sleep(3.1)
        assert s.ctl("sessions", "list").stdout == ""
        assert "removed 1 sessions, 0 codes" in s.ctl("gc").stdout
        assert requests.get(f"{s.base}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        s.stop()
    r = s.ctl("fsck")
    assert r.returncode == 0 and "0 unrepaired damage" in r.stdout


def test_fsck_reports_and_repairs(ctl):
    ctl.add_user("ann@example.com")
    user_file = next((ctl.var / "data" / "users").glob("*/*/*"))
    stray = user_file.parent / (user_file.name + ".tmp-999-x")
    stray.write_text("half a rec")
    os.utime(stray, (time.time() - 120, time.time() - 120))  # a young one would be a write in progress
    text = user_file.read_text()
    user_file.write_text(text[:text.index("password:")])  # torn by hand
    r = ctl.ctl("fsck", check=False)
    assert r.returncode == 6
    assert "stray-temp" in r.stdout and "corrupt" in r.stdout
    r = ctl.ctl("fsck", "--repair", check=False)
    assert "(repaired)" in r.stdout
    assert ctl.ctl("fsck").returncode == 0


def test_config_errors_name_the_key(tmp_path):
    s = Stack(tmp_path, session_idle_timeout="forever")
    r = s.ctl("config", check=False)
    assert r.returncode == 78
    assert "session_idle_timeout" in r.stderr


def test_the_configuration_page_documents_every_key():
    from conftest import ROOT
    table = subprocess.run([BIN / "gatehousectl", "config", "--markdown"], capture_output=True, text=True,
                           check=True).stdout.strip()
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert table in page, "docs/configuration.md's table is out of date: paste `gatehousectl config --markdown`"


HELP = """\
OVERVIEW: Administer a Gatehouse installation.

Exit status: 0 success, 1 failure, 2 invalid input, 3 passwords did not match,
4 no such user, 5 user exists, 6 fsck found damage, 77 run as a user who does
not own the data directory, 78 bad configuration.

USAGE: gatehousectl <subcommand>

OPTIONS:
  -h, --help              Show help information.

SUBCOMMANDS:
  init                    Create a data directory and its server key (harmless
                          if they exist); with store = postgresql, also migrate
                          the schema.
  user                    Manage accounts.
  invite                  Mail an address an invitation to sign up
                          (signup_enabled = invitation).
  import                  Import users with their existing hashes (bcrypt,
                          yescrypt, sha512-crypt, Argon2).
  breach                  The corpus of breached passwords: import it into the
                          filter every password set is checked against.
  hash                    Print the Argon2id hash of a password read from
                          standard input or a prompt.
  sessions                List or revoke sessions.
  mail                    The outbox: deliver what is due, list it, retry dead
                          letters.
  hooks                   Account events for hook_exec and hook_url: deliver
                          what is due, list them, retry dead letters, make a
                          secret.
  gc                      Delete accounts whose grace is over; remove expired
                          sessions, codes and stale counters.
  fsck                    Check every record; with --repair, fix what can be
                          fixed.
  db                      Bring a store up to this release (the schema, the
                          index of addresses), or show the schema's migrations.
  store                   Move accounts between the flat-file store and
                          PostgreSQL.
  config                  Check the configuration, or print every key with its
                          default and meaning.

  See 'gatehousectl help <subcommand>' for detailed help.
"""


def test_help_text_is_pinned():
    out = subprocess.run([BIN / "gatehousectl", "--help"], capture_output=True, text=True).stdout
    assert HELP in out


def test_global_options_before_the_subcommand(tmp_path):
    """`gatehousectl --config FILE user add …`, as `git -C` takes its option:
    the options work on either side of the subcommand."""
    s = Stack(tmp_path)
    env = {k: v for k, v in __import__("os").environ.items() if k != "GATEHOUSE_CONFIG"}

    def run(*args, input=None):
        return subprocess.run([BIN / "gatehousectl", *map(str, args)], input=input, capture_output=True, text=True,
                              env=env)

    assert run("--config", s.config, "init").returncode == 0
    r = run("--config", s.config, "user", "add", "ann@example.com", input="long-enough-pw\n")
    assert r.returncode == 0, r.stderr
    assert run(f"--config={s.config}", "user", "list").stdout.startswith("ann@example.com\t")
    assert run("user", "list", "--config", s.config).stdout.startswith("ann@example.com\t")
    other = tmp_path / "other-data"
    assert run("--config", s.config, "--data-dir", other, "init").returncode == 0
    assert run("--data-dir", other, "--config", s.config, "user", "list").stdout == ""
    # An unknown subcommand after the options is still a usage error, not a crash.
    assert run("--config", s.config, "no-such-command").returncode == 64


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the data directory to another user")
def test_root_acts_as_the_owner_of_the_data_directory(tmp_path):
    """`sudo gatehousectl user add …` must not leave root-owned files that
    the responders' user cannot write; another user is refused outright."""
    import pwd
    import shutil
    import tempfile
    nobody = pwd.getpwnam("nobody")
    base = tempfile.mkdtemp(prefix="gatehouse-owner-")
    try:
        os.chmod(base, 0o755)
        conf = os.path.join(base, "gatehouse.conf")
        with open(conf, "w") as f:
            f.write(f"data_dir = {base}/data\nmaildir = {base}/mail\npassword_blocklist =\n")
        os.chmod(conf, 0o644)
        env = {**os.environ, "GATEHOUSE_CONFIG": conf}
        subprocess.run([BIN / "gatehousectl", "init"], env=env, check=True, capture_output=True)
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", f"{base}/data"], check=True)
        r = subprocess.run([BIN / "gatehousectl", "user", "add", "ann@example.com"], input="long-enough-pw\n",
                           env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        owners = {os.lstat(os.path.join(d, n)).st_uid for d, dirs, files in os.walk(f"{base}/data") for n in dirs + files}
        assert owners == {nobody.pw_uid}
        other = subprocess.run(["setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups",
                                str(BIN / "gatehousectl"), "user", "list"], env=env, capture_output=True, text=True)
        assert other.returncode == 77 and "run gatehousectl as that user" in other.stderr
    finally:
        shutil.rmtree(base)
