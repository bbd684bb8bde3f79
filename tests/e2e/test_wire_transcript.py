"""The FastAPI original's clients keep working: every request of
../shared/seed/wire-transcript.md is replayed against Gatehouse (through
nginx, with a real user, a real token and a real code) and must get the
same status and body shape. Where SPEC.md deliberately differs, DIFFERENT
says how and why; those cases are checked against Gatehouse's own answer."""
import json
import re
import shlex
from pathlib import Path

import pytest
import requests

from conftest import ROOT

TRANSCRIPT = ROOT.parent / "shared" / "seed" / "wire-transcript.md"

# Case number → what Gatehouse answers instead, and why (SPEC.md wins).
DIFFERENT = {
    1: (400, "the original's /token was a stub; an empty request is RFC 6749 invalid_request"),
    2: (200, "GET shows the HTML sign-in form (SPEC §1 browser mode)"),
    8: (401, "an empty bearer token authenticates nobody (the original was a mock)"),
    21: (415, "a body that is neither JSON nor a form is 415 (SPEC §1)"),
    24: (415, "a body that is neither JSON nor a form is 415 (SPEC §1)"),
    25: (303, "form posts are browser mode: Post/Redirect/Get (SPEC §1)"),
    26: (401, "form posts are browser mode: still 401, but as an HTML page (SPEC §1)"),
    28: (200, "email is accepted from a JSON body too (SPEC §1)"),
    31: (200, "an unknown address gets the same answer as a known one (SPEC §3)"),
    33: (200, "an unknown address gets the same answer as a known one (SPEC §3)"),
    35: (303, "form posts are browser mode: Post/Redirect/Get (SPEC §1)"),
    36: (200, "GET shows the HTML form (SPEC §1 browser mode)"),
    44: (303, "form posts are browser mode: Post/Redirect/Get (SPEC §1)"),
    45: (404, "no trailing-slash redirect: the path is not an endpoint"),
}
# Secret fields are echoed as "[redacted]" where the original echoed them (SPEC §1).
SECRETS = {"old_password", "new_password", "confirm_password"}


def cases():
    text = TRANSCRIPT.read_text()
    out = []
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        head, _, rest = block.partition("\n")
        number = int(head.split(".")[0])
        command = re.search(r"^\$ (curl .*)$", rest, re.M).group(1)
        status = int(re.search(r"^HTTP/1.1 (\d+)", rest, re.M).group(1))
        lines = rest.split("\n")
        body_line = next((l for l in lines if l.startswith("{")), None)
        out.append((number, head, command, status, json.loads(body_line) if body_line else None))
    return out


def parse_curl(command):
    args = shlex.split(command)[1:]
    method, url, headers, data = None, None, {}, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-sS", "-i"):
            i += 1
        elif a == "-X":
            method = args[i + 1]
            i += 2
        elif a == "-H":
            name, _, value = args[i + 1].partition(":")
            headers[name] = value.strip()
            i += 2
        elif a == "--data-raw":
            data = args[i + 1]
            i += 2
        else:
            url = a
            i += 1
    return method or ("POST" if data else "GET"), url, headers, data


def shape(body, redact):
    """Comparable form: pydantic lists without secret inputs."""
    if isinstance(body, dict) and isinstance(body.get("detail"), list):
        items = []
        for d in body["detail"]:
            d = dict(d)
            if d.get("loc", [None])[-1] in SECRETS or (redact and d["type"] == "missing" and len(d["loc"]) > 1):
                d.pop("input", None)
            items.append(d)
        return {"detail": items}
    return body


@pytest.fixture(scope="module")
def replay_stack(tmp_path_factory):
    from conftest import Stack
    s = Stack(tmp_path_factory.mktemp("wire"), otp_send_cooldown=0, otp_sends_per_hour_per_address=100,
              otp_sends_per_hour_per_ip=1000).start()
    yield s
    s.stop()


ALL = cases()


def test_transcript_is_complete():
    assert [c[0] for c in ALL] == list(range(1, 47))


@pytest.mark.parametrize("case", ALL, ids=[f"{c[0]}-{c[1].split(': ', 1)[-1][:40]}" for c in ALL])
def test_replay(case, replay_stack, request):
    number, title, command, status, body = case
    s = replay_stack
    email, password = s.add_user(password="fakehashedpassword")
    token = s.token(email, password)
    method, url, headers, data = parse_curl(command)
    url = url.replace("http://127.0.0.1:18090/", f"http://127.0.0.1:{s.port}/account/")
    url = url.replace("user@example.com", email).replace("user@EXAMPLE.COM", email.replace("example.com", "EXAMPLE.COM"))
    url = url.replace("user%40example.com", email.replace("@", "%40"))
    if headers.get("Authorization") == "Bearer x":
        headers["Authorization"] = f"Bearer {token}"
    if headers.get("Authorization") == "bearer x":
        headers["Authorization"] = f"bearer {token}"
    if data is not None:
        data = data.replace("user@example.com", email).replace("user%40example.com", email.replace("@", "%40"))
    if "Content-Type" in headers and headers["Content-Type"] == "":
        headers.pop("Content-Type")
        headers["Content-Type"] = ""
    if number in (42, 43, 44):
        # The original printed its code to stdout; Gatehouse mails it.
        requests.post(f"{s.base}/send-otp", headers={"Authorization": f"Bearer {token}"})
        code = s.mailbox.code(email)
        data = re.sub(r"\d{6}", code, data)
    r = requests.request(method, url, headers={"X-Forwarded-For": s.client_ip(), **headers},
                         data=data.encode() if data is not None else None, allow_redirects=False)
    if number == 43:
        # Same code twice: the first use succeeds, the second is refused.
        assert r.status_code == 200
        r = requests.request(method, url, headers=headers, data=data.encode(), allow_redirects=False)
    if number in DIFFERENT:
        expected, why = DIFFERENT[number]
        assert r.status_code == expected, f"#{number} ({why}): {r.status_code} {r.text[:200]}"
        return
    assert r.status_code == status, f"#{number} {title}: {r.status_code} {r.text[:300]}"
    if body is not None:
        got = r.json()
        if number == 1 or "access_token" in (body or {}):
            assert set(body) <= set(got)
            return
        assert shape(got, redact=True) == shape(body, redact=True), f"#{number} {title}"
