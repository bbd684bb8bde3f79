"""The FastCGI runtime on its own: --listen, SIGTERM, a vanishing client."""
import os
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import BIN, Stack


def fcgi_request(path, params, body=b""):
    """A minimal FastCGI client (responder role, one request)."""
    def record(rtype, content, rid=1):
        return struct.pack("!BBHHBx", 1, rtype, rid, len(content), 0) + content

    def pair(k, v):
        k, v = k.encode(), v.encode()
        def ln(n):
            return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
        return ln(len(k)) + ln(len(v)) + k + v

    s = socket.socket(socket.AF_UNIX)
    s.connect(str(path))
    s.sendall(record(1, struct.pack("!HB5x", 1, 0)))
    s.sendall(record(4, b"".join(pair(k, v) for k, v in params.items())) + record(4, b""))
    if body:
        s.sendall(record(5, body))
    s.sendall(record(5, b""))
    out = b""
    while True:
        head = s.recv(8, socket.MSG_WAITALL)
        if len(head) < 8:
            break
        _, rtype, _, clen, plen = struct.unpack("!BBHHBx", head)
        content = s.recv(clen + plen, socket.MSG_WAITALL)[:clen] if clen + plen else b""
        if rtype == 6:
            out += content
        if rtype == 3:
            break
    s.close()
    return out


def start(tmp_path, name="me"):
    stack = Stack(tmp_path)
    stack.ctl("init")
    sock = tmp_path / f"{name}.sock"
    p = subprocess.Popen([BIN / name, "--listen", str(sock)], env={**os.environ, "GATEHOUSE_CONFIG": str(stack.config)},
                         stderr=subprocess.PIPE)
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    return p, sock


def test_listen_on_a_path_and_answer(tmp_path):
    p, sock = start(tmp_path)
    try:
        out = fcgi_request(sock, {"REQUEST_METHOD": "GET", "REQUEST_URI": "/account/me"})
        assert out.startswith(b"Status: 401 Unauthorized\r\n")
    finally:
        p.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGUSR1], ids=["TERM", "USR1"])
def test_a_stop_signal_when_idle_exits_cleanly(tmp_path, sig):
    """SIGTERM from systemd or mod_fcgid, SIGUSR1 from multiwatch: either
    ends an idle worker at once (libfcgi's own SIGUSR1 handler would leave
    every later accept failing, the loop spinning)."""
    p, sock = start(tmp_path)
    fcgi_request(sock, {"REQUEST_METHOD": "GET"})
    p.send_signal(sig)
    assert p.wait(timeout=5) == 0


def test_client_that_disconnects_is_harmless(tmp_path):
    p, sock = start(tmp_path)
    try:
        for _ in range(3):
            s = socket.socket(socket.AF_UNIX)
            s.connect(str(sock))
            s.sendall(b"\x01\x01\x00\x01\x00\x08\x00\x00")  # half a BEGIN_REQUEST, then gone
            s.close()
        out = fcgi_request(sock, {"REQUEST_METHOD": "GET"})
        assert out.startswith(b"Status: 401")
        assert p.poll() is None
    finally:
        p.kill()


def test_bad_arguments(tmp_path):
    r = subprocess.run([BIN / "me", "--frobnicate"], capture_output=True)
    assert r.returncode == 64
    assert b"unknown argument --frobnicate" in r.stderr
    r = subprocess.run([BIN / "me", "--help"], capture_output=True)
    assert r.returncode == 0
    assert b"--listen PATH|HOST:PORT" in r.stdout


def test_sigterm_mid_request_finishes_it_then_exits(tmp_path):
    """A slow sign-in (Argon2id at m=64 MiB, t=12) is in hand when SIGTERM arrives: the
    answer still arrives whole, then the worker exits cleanly."""
    import threading
    stack = Stack(tmp_path, argon2_opslimit=12, argon2_memlimit_kib=65536)
    stack.ctl("init")
    email, password = stack.add_user()
    sock = tmp_path / "token.sock"
    p = subprocess.Popen([BIN / "token", "--listen", str(sock)], env={**os.environ, "GATEHOUSE_CONFIG": str(stack.config)})
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    body = f"grant_type=password&username={email}&password={password}".encode()
    result = {}

    def sign_in():
        result["out"] = fcgi_request(sock, {"REQUEST_METHOD": "POST", "REQUEST_URI": "/account/token",
                                            "CONTENT_TYPE": "application/x-www-form-urlencoded",
                                            "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "192.0.2.9"}, body)
        result["at"] = time.perf_counter()

    t = threading.Thread(target=sign_in)
    started = time.perf_counter()
    t.start()
    time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    signalled = time.perf_counter()
    t.join(timeout=30)
    assert p.wait(timeout=30) == 0
    assert result["out"].startswith(b"Status: 200 OK\r\n"), result
    assert b'"access_token"' in result["out"]
    print(f"slow sign-in took {result['at'] - started:.2f}s; SIGTERM arrived 0.1s in")
    assert result["at"] > signalled  # the answer came after the signal: it was in hand when SIGTERM arrived
