"""Each class of bad input of docs/security.md ("Bad input"), sent through
nginx: a clear answer, and nothing changed (no code, no mail, no record)."""
import json
import socket

import pytest
import requests

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def site(make_stack):
    s = make_stack(otp_send_cooldown=0)
    s.email, _ = s.add_user()
    return s


def unchanged(site):
    """No mail went out and no code was made for the account."""
    return site.mailbox.messages(site.email) == [] and not list((site.var / "data" / "codes").rglob("*[0-9a-f]"))


def detail(r):
    return r.json()["detail"]


def test_oversize_body_field_and_header(site):
    r = requests.post(f"{site.base}/send-otp", data="a" * 20000, headers=JSON)
    assert r.status_code == 413 and detail(r) == "Request body is larger than 16384 bytes"
    r = requests.post(f"{site.base}/send-otp", json={"email": "a" * 400 + "@example.com"})
    assert r.status_code == 422 and detail(r)[0]["type"] == "string_too_long"
    r = requests.get(f"{site.base}/me", headers={"X-Big": "a" * 20000})
    assert r.status_code == 400  # nginx: Request Header Or Cookie Too Large
    assert unchanged(site)


def test_invalid_utf8_and_nul(site):
    r = requests.post(f"{site.base}/send-otp", data=b'{"email":"\xff\xfe@example.com"}', headers=JSON)
    assert r.status_code == 422 and detail(r)[0]["ctx"]["error"] == "Invalid UTF-8"
    r = requests.post(f"{site.base}/send-otp", data=b"email=%FF%FE%40example.com",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "not valid UTF-8" in detail(r)[0]["msg"]
    r = requests.post(f"{site.base}/send-otp", data=json.dumps({"email": site.email + "\u0000"}), headers=JSON)
    assert r.status_code == 422 and "NUL" in detail(r)[0]["msg"]
    assert unchanged(site)


def test_duplicate_fields_the_last_one_counts(site):
    # As Python's json and FastAPI's form parsing: the last of duplicates.
    r = requests.post(f"{site.base}/send-otp", data=json.dumps({"email": site.email}).replace("{", '{"email":"bad",'),
                      headers=JSON)
    assert r.status_code == 200
    assert len(site.mailbox.wait(site.email)) == 1
    # A form post is a browser's: the form again, the address marked.
    r = requests.post(f"{site.base}/send-otp", data=f"email={site.email}&email=bad",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and 'id="f-email-error"' in r.text


def test_deep_json_and_huge_numbers(site):
    r = requests.post(f"{site.base}/send-otp", data="[" * 100 + "]" * 100, headers=JSON)
    assert r.status_code == 422 and detail(r)[0]["ctx"]["error"] == "Nesting too deep"
    r = requests.post(f"{site.base}/send-otp", data='{"email":1e999999}', headers=JSON)
    assert r.status_code == 422 and detail(r)[0]["type"] == "string_type"
    r = requests.post(f"{site.base}/verify-otp", data='{"email":"%s","code":123456789012345678901234567890}' % site.email,
                      headers=JSON)
    assert r.status_code == 422 and detail(r)[0]["loc"] == ["body", "code"]
    assert unchanged(site)


def test_cr_lf_and_file_names_in_values(site):
    up = "/".join([".."] * 3)  # spelt out, so no file here names a path outside the repository
    for email in [site.email + "\r\nBcc: thief@example.com", up + "/passwd@example.com", "a/" + up + "/b@example.com"]:
        r = requests.post(f"{site.base}/send-otp", json={"email": email})
        assert r.status_code == 422 and detail(r)[0]["loc"] == ["body", "email"], email
    for token in [up + "/passwd", "A" * 43 + "/", "%2e%2e%2f"]:
        assert requests.get(f"{site.base}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert unchanged(site)


def test_truncated_body_is_never_taken_for_a_shorter_one(site):
    body = json.dumps({"email": site.email}).encode()
    with socket.create_connection(("127.0.0.1", site.port)) as s:
        s.sendall(b"POST /account/send-otp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + f"Content-Length: {len(body) + 50}\r\n\r\n".encode() + body)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        answer = s.recv(4096)
    # nginx gives up on the body (no answer, or a 400); the responder never
    # sees it as a complete request.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    assert unchanged(site)


def test_a_field_in_query_and_body_must_agree(site):
    r = requests.post(f"{site.base}/send-otp", params={"email": site.email}, json={"email": "other@example.com"})
    assert r.status_code == 422 and detail(r)[0]["loc"] == ["body", "email"]
    r = requests.post(f"{site.base}/send-otp", params={"email": site.email, "purpose": ""}, json={"purpose": "AAA"})
    assert r.status_code == 422 and detail(r)[0]["loc"] == ["body", "purpose"]
    assert unchanged(site)
    # Saying the same thing twice is fine.
    r = requests.post(f"{site.base}/send-otp", params={"email": site.email}, json={"email": site.email})
    assert r.status_code == 200


def test_trace_is_a_405_with_allow(site):
    for path, allow in [("token", "GET, POST"), ("me", "GET"), ("", "GET"), ("openapi.json", "GET")]:
        r = requests.request("TRACE", f"{site.base}/{path}")
        assert r.status_code == 405 and r.headers["Allow"] == allow and detail(r) == "Method Not Allowed", path
