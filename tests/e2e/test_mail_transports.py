"""Real mail: msmtp as sendmail and the libcurl SMTP transport, both into
Debian's aiosmtpd; the test reads the code out of the message the server
received and uses it. And the mail server being down loses nothing."""
import time

import requests

from conftest import SMTPServer


def msmtp_config(tmp_path, port):
    rc = tmp_path / "msmtprc"
    rc.write_text(f"defaults\nauth off\ntls off\n\naccount default\nhost 127.0.0.1\nport {port}\n"
                  "from no-reply@localhost\n")
    rc.chmod(0o600)
    return rc


def eventually(check, timeout=10):
    """Delivery runs after the response: give it time to be recorded."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    return check()


def verify(stack, email, code):
    return requests.post(f"{stack.base}/verify-otp", json={"email": email, "code": code})


def test_msmtp_as_sendmail_into_a_real_smtp_server(make_stack, smtp_server, tmp_path):
    rc = msmtp_config(tmp_path, smtp_server.port)
    s = make_stack(mail_transport="sendmail", sendmail_command=f"/usr/bin/msmtp --file={rc} -t -i")
    email, _ = s.add_user()
    assert s.send_code(email).status_code == 200
    code = smtp_server.mailbox.code(email)
    raw = smtp_server.mailbox.files()[-1].read_text()
    assert f"X-Envelope-To: {email}" in raw
    assert verify(s, email, code).status_code == 200
    assert eventually(lambda: s.ctl("mail", "list").stdout == "")  # delivered, so no longer queued


def test_smtp_transport_into_a_real_smtp_server(make_stack, smtp_server):
    s = make_stack(mail_transport="smtp", smtp_url=f"smtp://127.0.0.1:{smtp_server.port}", smtp_starttls="optional")
    email, _ = s.add_user()
    assert s.send_code(email).status_code == 200
    code = smtp_server.mailbox.code(email)
    raw = smtp_server.mailbox.files()[-1].read_text()
    assert "X-Envelope-From: no-reply@localhost" in raw and f"X-Envelope-To: {email}" in raw
    assert verify(s, email, code).status_code == 200


def test_mail_server_down_then_gatehousectl_delivers(make_stack, tmp_path):
    server = SMTPServer(tmp_path / "later")
    s = make_stack(mail_transport="smtp", smtp_url=f"smtp://127.0.0.1:{server.port}", mail_timeout="2s")
    email, _ = s.add_user()
    r = s.send_code(email)
    assert r.status_code == 200 and r.json() == {"msg": "OTP sent successfully"}
    listed = eventually(lambda: (lambda out: out if "\tqueued\t1\t" in out else "")(s.ctl("mail", "list").stdout))
    assert "\tqueued\t1\t" in listed and "smtp:" in listed
    assert s.ctl("mail", "deliver", check=False).returncode == 0  # not due yet: back-off
    server.start()
    try:
        r = s.ctl("mail", "deliver", "--all")
        assert "sent 1" in r.stdout
        code = server.mailbox.code(email)
        assert verify(s, email, code).status_code == 200
        assert eventually(lambda: s.ctl("mail", "list").stdout == "")
    finally:
        server.stop()


def test_dead_letters_and_retry(make_stack, tmp_path):
    server = SMTPServer(tmp_path / "later")
    s = make_stack(mail_transport="smtp", smtp_url=f"smtp://127.0.0.1:{server.port}", mail_timeout="1s",
                   mail_max_attempts=2)
    email, _ = s.add_user()
    s.send_code(email)  # attempt 1 fails after the response
    assert eventually(lambda: "\tqueued\t1\t" in s.ctl("mail", "list").stdout)
    r = s.ctl("mail", "deliver", "--all", check=False)
    assert r.returncode == 1 and "moved to dead letters 1" in r.stdout
    assert "\tdead\t2\t" in s.ctl("mail", "list").stdout
    server.start()
    try:
        assert "requeued 1" in s.ctl("mail", "retry").stdout
        assert "sent 1" in s.ctl("mail", "deliver").stdout
        server.mailbox.wait(email)
    finally:
        server.stop()


def test_no_header_injection_through_the_address(stack):
    r = requests.post(f"{stack.base}/send-otp", json={"email": "a@example.com\r\nBcc: victim@example.com"})
    assert r.status_code == 422
    assert stack.mailbox.messages("victim@example.com") == []


def test_a_slow_mail_server_never_holds_a_worker(make_stack, tmp_path):
    """Delivery is handed to a detached process: with one worker and a
    sendmail that takes seconds, the next request is answered at once, so
    how long a worker stays busy says nothing about the address."""
    slow = tmp_path / "slow-sendmail"
    slow.write_text(f"#!/bin/sh\nsleep 4\ncat > {tmp_path}/delivered\n")
    slow.chmod(0o755)
    s = make_stack(workers=1, mail_transport="sendmail", sendmail_command=str(slow), otp_send_cooldown=0)
    email, _ = s.add_user()
    started = time.time()
    assert s.send_code(email).status_code == 200
    assert s.send_code(email).status_code == 200
    assert time.time() - started < 2.5
    # The shell creates the file before cat fills it: wait for the text.
    delivered = tmp_path / "delivered"
    assert eventually(lambda: delivered.exists() and "one-time code" in delivered.read_text(), timeout=15)
