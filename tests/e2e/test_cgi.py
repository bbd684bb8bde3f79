"""Every responder also runs as plain CGI: one request from the environment
and stdin, the answer on stdout, diagnostics on stderr."""
import os
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT, Stack


def cgi(stack, name, method="GET", body=b"", content_type=None, extra=None):
    env = {"PATH": "/usr/bin:/bin", "GATEHOUSE_CONFIG": str(stack.config), "REQUEST_METHOD": method,
           "REQUEST_URI": f"/cgi-bin/{name}", "REMOTE_ADDR": "192.0.2.7", "GATEWAY_INTERFACE": "CGI/1.1",
           "CONTENT_LENGTH": str(len(body)), **(extra or {})}
    if content_type:
        env["CONTENT_TYPE"] = content_type
    p = subprocess.run([BIN / name], input=body, capture_output=True, env=env, timeout=30)
    head, _, payload = p.stdout.partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if line)
    return p.returncode, headers, payload, p.stderr


def test_token_and_me_as_cgi(tmp_path):
    stack = Stack(tmp_path)
    stack.ctl("init")
    email, password = stack.add_user()
    body = f"grant_type=password&username={email}&password={password}".encode()
    rc, headers, payload, _ = cgi(stack, "token", "POST", body, "application/x-www-form-urlencoded")
    assert rc == 0
    assert headers["Status"] == "200 OK"
    assert headers["Content-Length"] == str(len(payload))
    import json
    token = json.loads(payload)["access_token"]
    rc, headers, payload, _ = cgi(stack, "me", extra={"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert headers["Status"] == "200 OK"
    assert json.loads(payload)["email"] == email


def test_cgi_errors_keep_their_shape(tmp_path):
    stack = Stack(tmp_path)
    stack.ctl("init")
    rc, headers, payload, _ = cgi(stack, "logout", "POST")
    assert headers["Status"] == "401 Unauthorized"
    assert headers["WWW-Authenticate"] == "Bearer"
    assert payload == b'{"detail":"Not authenticated"}'


def test_bad_configuration_stops_at_start_naming_the_key(tmp_path):
    stack = Stack(tmp_path, argon2_opslimit="lots")
    rc, _, payload, stderr = cgi(stack, "token", "POST")
    assert rc == 78
    assert payload == b""
    assert b"argon2_opslimit" in stderr
    assert b"expected a whole number" in stderr


def test_uninitialised_data_directory_is_a_start_up_error(tmp_path):
    stack = Stack(tmp_path)
    rc, _, _, stderr = cgi(stack, "me")
    assert rc == 78
    assert b"gatehousectl init" in stderr


@pytest.mark.parametrize("key, responder", [("password_blocklist", "me"), ("templates_dir", "send-otp")])
def test_missing_file_is_a_start_up_error_naming_the_key(tmp_path, key, responder):
    stack = Stack(tmp_path, **{key: str(tmp_path / "nowhere")})
    stack.ctl("init")
    rc, _, _, stderr = cgi(stack, responder)
    assert rc == 78
    assert f"{key}:".encode() in stderr


def test_one_program_under_every_name_chooses_by_the_name_alone(tmp_path):
    """The responders are one multi-call program: started under a name it
    does not know, it answers nothing and says which it knows; under CGI
    its arguments (the client's, from an `=`-less query string) never
    choose a responder, only the name the server started it under."""
    stack = Stack(tmp_path)
    stack.ctl("init")
    names = subprocess.run([BIN / "gatehouse", "--names"], capture_output=True, text=True, check=True).stdout.split()
    assert names == ["token", "logout", "me", "change-password", "send-otp", "verify-otp", "verify", "openapi", "mfa", "reauth", "sessions", "passkeys", "change-email", "signup", "delete-account", "export"]
    env = {"PATH": "/usr/bin:/bin", "GATEHOUSE_CONFIG": str(stack.config), "REQUEST_METHOD": "GET",
           "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "192.0.2.7"}
    for args in ([], ["me"], ["--names"]):
        p = subprocess.run([BIN / "gatehouse", *args], capture_output=True, env=env, timeout=30)
        assert p.returncode == 64 and p.stdout == b"", (args, p.stdout[:200])
        assert b"none of: token, logout, me" in p.stderr
    renamed = tmp_path / "me-backup"
    shutil.copy(BIN / "gatehouse", renamed)
    p = subprocess.run([renamed], capture_output=True, env=env, timeout=30)
    assert p.returncode == 64 and p.stdout == b""
    # Under its own name it is that responder, whatever else it was called.
    rc, headers, payload, _ = cgi(stack, "me", extra={"HTTP_ACCEPT": "application/json"})
    assert headers["Status"].startswith("401")


def test_pages_are_read_only_by_a_request_that_shows_one(tmp_path):
    """Under CGI a JSON answer reads no layout or catalogue (every exec
    would pay for parsing them); a request that shows a page and finds a
    broken catalogue stops as a broken file at start would, naming it."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "deploy" / "templates", templates)
    (templates / "locales" / "de.txt").write_text("this line has no equals sign\n")
    stack = Stack(tmp_path, templates_dir=str(templates))
    stack.ctl("init")
    rc, headers, payload, _ = cgi(stack, "me", extra={"HTTP_ACCEPT": "application/json"})
    assert rc == 0 and headers["Status"].startswith("401") and payload == b'{"detail":"Not authenticated"}'
    rc, _, payload, stderr = cgi(stack, "token", extra={"HTTP_ACCEPT": "text/html"})
    assert rc == 78 and payload == b""
    assert b"templates_dir:" in stderr and b"de.txt: line 1" in stderr
