"""The systemd units in deploy/systemd pass `systemd-analyze verify` with
nothing to say (a warning fails the test too), paths pointed at this build.
Nothing here needs a running systemd."""
import subprocess

from conftest import BIN, ROOT

UNITS = ["gatehouse@token.socket", "gatehouse@token.service", "gatehouse@verify-otp.service",
         "gatehouse-maintenance.service", "gatehouse-maintenance.timer"]


def verify(directory, units):
    return subprocess.run(["systemd-analyze", "verify", "--man=no", *units], cwd=directory, capture_output=True, text=True)


def installed(tmp_path, edit=lambda text: text):
    for unit in (ROOT / "deploy" / "systemd").iterdir():
        text = unit.read_text().replace("/usr/local/lib/gatehouse", str(BIN.resolve()))
        (tmp_path / unit.name).write_text(edit(text))
    return tmp_path


def test_every_unit_verifies_cleanly(tmp_path):
    r = verify(installed(tmp_path), UNITS)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr


def test_the_check_sees_a_bad_unit(tmp_path):
    r = verify(installed(tmp_path, lambda t: t.replace("UMask=0077", "UMask=0077\nNoSuchSetting=yes")),
               ["gatehouse@token.service"])
    assert "NoSuchSetting" in r.stdout + r.stderr


def test_units_are_hardened():
    text = (ROOT / "deploy" / "systemd" / "gatehouse@.service").read_text()
    for setting in ["NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/gatehouse", "PrivateTmp=yes",
                    "SystemCallFilter=@system-service", "StandardInput=socket"]:
        assert setting in text


def test_a_socket_activated_responder_serves(tmp_path):
    """systemd's own activation tool hands the responder its socket
    (LISTEN_FDS, fd 3), as the .socket unit does."""
    import time
    from conftest import Stack
    from e2e.test_fastcgi_process import fcgi_request
    stack = Stack(tmp_path)
    stack.ctl("init")
    sock = tmp_path / "me.sock"
    # Like a unit's Environment=, the tool passes only what -E names.
    p = subprocess.Popen(["systemd-socket-activate", "-l", str(sock), "-E", f"GATEHOUSE_CONFIG={stack.config}",
                          str(BIN / "me")])
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        out = fcgi_request(sock, {"REQUEST_METHOD": "GET", "REQUEST_URI": "/account/me"})
        assert out.startswith(b"Status: 401 Unauthorized\r\n")
    finally:
        p.terminate()
        p.wait(timeout=10)
