"""Passkeys through nginx and real responders, in WebAuthn's JSON encodings
(docs/api.md "Passkeys"): responses from the tests' own software
authenticator (tests/softauthn.py), each also checked by py_webauthn, a
relying party that is not ours, so that the two agree on what is valid.
Each check of the ceremony gets the bad input it exists for."""
import base64
import json
import sys
from pathlib import Path

import pytest
import requests
import webauthn
from webauthn.helpers import base64url_to_bytes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import softauthn  # noqa: E402

REFUSED = {"error": "invalid_grant", "error_description": "The passkey was not accepted"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def creation_options(stack, token):
    r = requests.post(f"{stack.base}/passkeys/register/options", headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def request_options(stack):
    r = requests.post(f"{stack.base}/passkeys/login/options")
    assert r.status_code == 200, r.text
    return r.json()


def register(stack, token, alg=-7, name="Laptop", **bad):
    options = creation_options(stack, token)
    response, cred = softauthn.create(options, stack.webauthn_origin, alg=alg, **bad)
    r = requests.post(f"{stack.base}/passkeys/register", json={**response, "name": name}, headers=bearer(token))
    return r, cred, options, response


def login(stack, cred, ip=None, **bad):
    options = request_options(stack)
    response = softauthn.get(options, stack.webauthn_origin, cred, **bad)
    return requests.post(f"{stack.base}/passkeys/login", json=response,
                         headers={"X-Forwarded-For": ip or stack.client_ip()}), options, response


def me(stack, token):
    return requests.get(f"{stack.base}/me", headers=bearer(token)).json()


@pytest.mark.parametrize("alg", [-7, -8, -257], ids=["ES256", "EdDSA", "RS256"])
def test_register_and_sign_in_without_a_password(stack, user, alg):
    email, password = user
    token = stack.token(email, password)
    r, cred, options, response = register(stack, token, alg=alg)
    assert r.status_code == 200, r.text
    assert r.json()["passkey"]["name"] == "Laptop"
    assert options["attestation"] == "none" and options["rp"]["id"] == "localhost"
    assert {"type": "public-key", "alg": alg} in options["pubKeyCredParams"]
    assert email not in options["user"]["id"] and len(base64url_to_bytes(options["user"]["id"])) == 32
    # A relying party not ours takes the same response.
    oracle = webauthn.verify_registration_response(
        credential=response, expected_challenge=base64url_to_bytes(options["challenge"]),
        expected_origin=stack.webauthn_origin, expected_rp_id="localhost")
    assert oracle.credential_id == cred.id
    listed = requests.get(f"{stack.base}/passkeys", headers=bearer(token)).json()["passkeys"]
    assert [p["id"] for p in listed] == [softauthn.b64url(cred.id)] and listed[0]["last_used"] is None

    r, options, response = login(stack, cred)
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"
    webauthn.verify_authentication_response(
        credential=response, expected_challenge=base64url_to_bytes(options["challenge"]), expected_rp_id="localhost",
        expected_origin=stack.webauthn_origin, credential_public_key=oracle.credential_public_key,
        credential_current_sign_count=0, require_user_verification=True)
    session = me(stack, r.json()["access_token"])
    assert session["email"] == email and session["session"]["factors"] == ["passkey"]


def refused_for(stack, r, reason):
    """The request was refused, and the audit log says why: the newest
    passkey line names `reason`. Each bad input is refused for its own."""
    assert r.status_code == 400, r.text
    lines = [json.loads(line) for line in (stack.var / "data" / "audit.log").read_text().splitlines()]
    last = [line for line in lines if line["event"] in ("passkey_refused", "passkey_counter_regressed")][-1]
    assert reason in last["reason"], (reason, last)


def test_a_replayed_assertion_and_each_bad_input_are_refused_for_their_reason(stack, user):
    email, password = user
    token = stack.token(email, password)
    r, cred, _, _ = register(stack, token)
    assert r.status_code == 200, r.text
    r, _, response = login(stack, cred)
    assert r.status_code == 200
    again = requests.post(f"{stack.base}/passkeys/login", json=response)
    assert again.json() == REFUSED
    refused_for(stack, again, "signature counter 1 after 1")
    # A synced passkey's counter stays 0: its replay is stopped by the spent challenge.
    r, synced, _, _ = register(stack, token, name="Synced")
    synced.count = -1
    r, _, response = login(stack, synced)
    assert r.status_code == 200
    again = requests.post(f"{stack.base}/passkeys/login", json=response)
    refused_for(stack, again, "challenge used already")
    for bad, reason in (({"flags": softauthn.UV}, "user not present"),
                        ({"flags": softauthn.UP}, "user not verified"),
                        ({"rp_id": "example.com"}, "rpIdHash is not this site's RP ID"),
                        ({"kind": "webauthn.create"}, "clientData type webauthn.create, not webauthn.get"),
                        ({"tamper_signature": True}, "refused: signature"),
                        ({"count": 1}, "signature counter 1 after 1"),
                        ({"flags": softauthn.UP | softauthn.UV | softauthn.BE}, "backup eligibility (BE) changed since registration"),
                        ({"flags": softauthn.UP | softauthn.UV | softauthn.BS}, "backed up (BS) without backup eligibility (BE)"),
                        ({"challenge": softauthn.b64url(bytes(40))}, "not a challenge of this ceremony's, or expired")):
        r, _, _ = login(stack, cred, **bad)
        assert r.json() == REFUSED, bad
        refused_for(stack, r, reason)
    options = request_options(stack)
    for origin in ("http://127.0.0.1", "http://localhost", "https://localhost:1", stack.webauthn_origin + ".evil.example"):
        r = requests.post(f"{stack.base}/passkeys/login", json=softauthn.get(options, origin, cred))
        refused_for(stack, r, f"origin {origin} is not one of this site's")
    stranger = softauthn.Credential(user_handle=cred.user_handle)
    r, _, _ = login(stack, stranger)
    refused_for(stack, r, "no account has this passkey")
    r, _, _ = login(stack, cred)
    assert r.status_code == 200, "the passkey still works: nothing bad changed it"


def test_a_registration_is_checked_too(stack, user):
    email, password = user
    token = stack.token(email, password)
    for bad, reason in (({"flags": softauthn.UV}, "user not present"),
                        ({"rp_id": "example.com"}, "rpIdHash is not this site's RP ID"),
                        ({"kind": "webauthn.get"}, "clientData type webauthn.get, not webauthn.create"),
                        ({"fmt": "unknown"}, "attestation format unknown"),
                        ({"fmt": "none", "att_stmt": {"sig": b"x"}}, "attestation none with a statement"),
                        ({"cose": {1: 2, 3: -7, -1: 2, -2: b"x" * 32, -3: b"y" * 32}}, "EC2 key on a curve other than P-256"),
                        ({"cose": {1: 1, 3: -7, -1: 6, -2: b"x" * 32}}, "COSE key type 1 with algorithm -7"),
                        ({"challenge": softauthn.b64url(bytes(40))}, "not a challenge of this session's, or expired")):
        r, _, _, _ = register(stack, token, **bad)
        assert r.json()["detail"] == "The passkey was not accepted", (bad, r.text)
        refused_for(stack, r, reason)
    # Bytes no parser should choke on: cut short, nested deep, a huge length.
    options = creation_options(stack, token)
    response, _ = softauthn.create(options, stack.webauthn_origin)
    for junk, reason in ((base64.urlsafe_b64decode(response["response"]["attestationObject"] + "==")[:40], "CBOR: "),
                         (b"\x81" * 5000, "CBOR: nested too deep"),
                         (b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff", "CBOR: a length beyond the data")):
        broken = json.loads(json.dumps(response))
        broken["response"]["attestationObject"] = softauthn.b64url(junk)
        r = requests.post(f"{stack.base}/passkeys/register", json=broken, headers=bearer(token))
        refused_for(stack, r, reason)
    assert requests.get(f"{stack.base}/passkeys", headers=bearer(token)).json() == {"passkeys": []}


def test_a_credential_is_one_accounts_and_the_user_handle_must_match(stack):
    ann = stack.add_user()
    bob = stack.add_user()
    r, cred, _, _ = register(stack, stack.token(*ann))
    assert r.status_code == 200
    bob_token = stack.token(*bob)
    options = creation_options(stack, bob_token)
    response, _ = softauthn.create(options, stack.webauthn_origin, credential=cred)
    r = requests.post(f"{stack.base}/passkeys/register", json=response, headers=bearer(bob_token))
    assert r.status_code == 409 and r.json()["detail"] == "This passkey is registered already"
    refused = [json.loads(line) for line in (stack.var / "data" / "audit.log").read_text().splitlines()
               if '"passkey_refused"' in line][-1]
    assert refused["reason"] == "registered to another account"
    cred.user_handle = base64url_to_bytes(options["user"]["id"])  # bob's handle on ann's passkey
    r, _, _ = login(stack, cred)
    assert r.json() == REFUSED
    refused_for(stack, r, "refused: user handle")


def test_adding_needs_the_step_up_window_and_each_change_is_mailed(make_stack):
    s = make_stack(reauth_window="60s")
    email, password = s.add_user()
    token = s.token(email, password)
    r, cred, _, _ = register(s, token, name="Phone")
    assert r.status_code == 200
    assert s.mailbox.wait(email, 1)[-1]["Subject"] == "A passkey was added to your Gatehouse account"
    pid = softauthn.b64url(cred.id)
    r = requests.post(f"{s.base}/passkeys/rename", json={"id": pid, "name": "Work phone"}, headers=bearer(token))
    assert r.status_code == 200
    r = requests.post(f"{s.base}/passkeys/remove", json={"id": pid}, headers=bearer(token))
    assert r.status_code == 200, r.text
    removed = s.mailbox.wait(email, 2)[-1]
    assert removed["Subject"] == "A passkey was removed from your Gatehouse account" and "Work phone" in s.mailbox.text(removed)
    r, _, _ = login(s, cred)
    assert r.status_code == 400, "a removed passkey signs in no more"
    r = requests.post(f"{s.base}/passkeys/remove", json={"id": pid}, headers=bearer(token))
    assert r.status_code == 404


def test_removing_a_passkey_ends_every_other_session(stack, user):
    """Someone who held the session added their passkey and signed in
    with it: the owner, signed in with the password, removes it, and both
    of the taker's sessions end; the owner's stays."""
    email, password = user
    taken = stack.token(email, password)
    r, cred, _, _ = register(stack, taken, name="Not mine")
    assert r.status_code == 200
    r, _, _ = login(stack, cred)
    by_passkey = r.json()["access_token"]
    owner = stack.token(email, password)
    r = requests.post(f"{stack.base}/passkeys/remove", json={"id": softauthn.b64url(cred.id)}, headers=bearer(owner))
    assert r.status_code == 200, r.text
    for ended in (taken, by_passkey):
        assert requests.get(f"{stack.base}/me", headers=bearer(ended)).status_code == 401
    assert requests.get(f"{stack.base}/me", headers=bearer(owner)).status_code == 200


def test_an_administrator_lists_and_removes_passkeys(stack, user):
    email, password = user
    token = stack.token(email, password)
    creds = []
    for name in ("Laptop", "Phone"):
        r, cred, _, _ = register(stack, token, name=name)
        assert r.status_code == 200
        creds.append(cred)
    assert "passkeys: 2" in stack.ctl("user", "show", email).stdout
    listed = [line.split("\t") for line in stack.ctl("user", "passkeys", "list", email).stdout.splitlines()]
    assert [(row[0], row[2], row[3]) for row in listed] == [(softauthn.b64url(c.id), "never", n)
                                                            for c, n in zip(creds, ("Laptop", "Phone"))]
    out = stack.ctl("user", "passkeys", "remove", email, listed[1][0]).stdout
    assert "removed 1 passkey of" in out
    assert stack.mailbox.wait(email, 3)[-1]["Subject"] == "A passkey was removed from your Gatehouse account"
    assert requests.get(f"{stack.base}/me", headers=bearer(token)).status_code == 401, "every session ends"
    r, _, _ = login(stack, creds[1])
    refused_for(stack, r, "no account has this passkey")
    r = stack.ctl("user", "passkeys", "remove", email, listed[1][0], check=False)
    assert r.returncode == 4 and "no such passkey" in r.stderr
    assert stack.ctl("user", "passkeys", "remove", email, check=False).returncode == 64
    assert "removed 1 passkey" in stack.ctl("user", "passkeys", "remove", "--all", email).stdout
    assert stack.ctl("user", "passkeys", "list", email).stdout == ""


def test_without_a_session_nothing_but_sign_in(stack):
    for path in ("passkeys/register/options", "passkeys/register", "passkeys/remove", "passkeys/rename"):
        assert requests.post(f"{stack.base}/{path}", json={}).status_code == 401, path
    assert requests.get(f"{stack.base}/passkeys").status_code == 401
    assert requests.get(f"{stack.base}/passkeys/login").status_code == 405
    options = request_options(stack)
    assert options["userVerification"] == "required" and options["allowCredentials"] == []
