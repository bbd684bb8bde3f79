"""make install and make uninstall (scripts/install): everything under
PREFIX, staged under DESTDIR, and the installed programs work from there."""
import os
import subprocess

from conftest import BIN, ROOT


def run(*args, **env):
    return subprocess.run([ROOT / "scripts" / "install", *args], capture_output=True, text=True, check=True,
                          env={**os.environ, **env})


def test_install_then_uninstall(tmp_path):
    stage = tmp_path / "stage"
    run("install", str(BIN), PREFIX="/opt/gatehouse", DESTDIR=str(stage))
    lib, share = stage / "opt/gatehouse/lib/gatehouse", stage / "opt/gatehouse/share/gatehouse"
    for p in ["token", "logout", "me", "change-password", "send-otp", "verify-otp", "verify", "mfa", "reauth", "sessions",
              "passkeys", "change-email", "signup", "delete-account", "export", "gatehousectl"]:
        assert os.access(lib / p, os.X_OK)
    # The responders are one file under every name: their workers share its pages.
    responders = subprocess.run([lib / "gatehouse", "--names"], capture_output=True, text=True, check=True).stdout.split()
    assert {(lib / p).stat().st_ino for p in responders} == {(lib / "gatehouse").stat().st_ino}
    assert len(responders) == 16
    assert (share / "templates/mail/otp.txt").exists() and (share / "common-passwords.txt").exists()
    assert (share / "deploy/systemd/gatehouse@.service").read_text().count("/opt/gatehouse/lib/gatehouse/%i") == 1
    assert "/opt/gatehouse/lib/gatehouse" in (share / "deploy/lighttpd/gatehouse-fastcgi.conf").read_text()
    # The sample configuration is valid and points at the installed files
    # (checked through a staged copy: the paths in it are the final ones).
    sample = (share / "gatehouse.conf.sample").read_text()
    assert "templates_dir = /opt/gatehouse/share/gatehouse/templates" in sample
    staged = tmp_path / "gatehouse.conf"
    staged.write_text(sample.replace("/opt/gatehouse", str(stage / "opt/gatehouse")) + f"data_dir = {tmp_path}/data\n")
    r = subprocess.run([lib / "gatehousectl", "--config", staged, "config"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    run("uninstall", PREFIX="/opt/gatehouse", DESTDIR=str(stage))
    assert not lib.exists() and not share.exists()
