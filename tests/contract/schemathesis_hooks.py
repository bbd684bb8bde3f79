"""How Schemathesis authenticates against a test stack (tests/contract).

Every request that may carry a session gets a fresh one, signed in just
before it with one of the accounts the test created. Fresh, because the
run itself is hostile to a session: a generated change-password sends wrong
old passwords, each counted against the account as a failed sign-in (after
100 in a row the account would lock), and a generated logout revokes the
session it came with. A successful sign-in ends such a run of failures. If
a generated change-password ever succeeds, that account's password is no
longer known: the next account takes over.

Operations where a session is optional (send-otp, verify-otp, their forms)
are tried every other time without one, so both paths are exercised. A
request that already carries an Authorization header (the stateful phase's
links hand one on) is left as it is.

Two rules of the API are beyond JSON Schema, and a request generated as
valid is made to keep them (`before_call`, which every phase passes
through; requests generated as invalid are sent as they are): confirm_password equals new_password
(signup's, when given, equals password); a field given
in both the query string and the body (send-otp's and verify-otp's `email`
and `purpose`) has the same value in both (else 422); and send-otp without
a session names an address (else 422: there is nobody to send to).
"""
import collections
import email
import email.policy
import itertools
import os
import random
import re
import time
from pathlib import Path

import requests
import schemathesis

BASE = os.environ["GATEHOUSE_CONTRACT_BASE"]
ACCOUNTS = [tuple(pair.split(":", 1)) for pair in os.environ["GATEHOUSE_CONTRACT_ACCOUNTS"].split(",")]
MAILDIR = Path(os.environ["GATEHOUSE_CONTRACT_MAILDIR"])
RESET_ACCOUNT = os.environ["GATEHOUSE_CONTRACT_RESET_ACCOUNT"]
STATUSES = os.environ.get("GATEHOUSE_CONTRACT_STATUSES")
_anonymous = itertools.cycle([False, True])
_chance = random.Random(20261126)
_current = [0]


def _optional(case) -> bool:
    security = case.operation.definition.raw.get("security", [])
    return {} in security


@schemathesis.auth(refresh_interval=None, retry_on=[])
class FreshSession:
    def get(self, case, context):
        if not case.operation.definition.raw.get("security"):
            return None
        if _optional(case) and next(_anonymous):
            return None
        while _current[0] < len(ACCOUNTS):
            email, password = ACCOUNTS[_current[0]]
            r = requests.post(f"{BASE}/token", data={"grant_type": "password", "username": email, "password": password},
                              timeout=30)
            if r.status_code == 200:
                return r.json()["access_token"]
            _current[0] += 1
        raise RuntimeError("every test account's password was changed by the run")

    def set(self, case, data, context):
        if data is None:
            return
        case.headers = case.headers or {}
        if not any(k.lower() == "authorization" for k in case.headers):
            case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    op = case.operation.definition.raw.get("operationId")
    body = case.body if isinstance(case.body, dict) else {}
    anonymous = not any(k.lower() == "authorization" for k in (case.headers or {}))
    if op == "sendCode" and anonymous and "email" not in body and "email" not in (case.query or {}):
        case.query = {**(case.query or {}), "email": "nobody@example.com"}
    if not isinstance(case.body, dict):
        return
    if op == "changePassword" and "new_password" in case.body:
        case.body["confirm_password"] = case.body["new_password"]
    if op == "signup" and isinstance(case.body.get("confirm_password"), str) and "password" in case.body:
        case.body["confirm_password"] = case.body["password"]
    if op in ("sendCode", "verifyCode"):
        for name, value in (case.query or {}).items():
            if name in case.body:
                case.body[name] = value
    if op == "verifyCode" and _chance.random() < 0.5:
        _use_a_real_code(case)


def _codes_to(address):
    found = []
    # Delivered mail only: new/ (a file in tmp/ is still being written).
    delivered = MAILDIR / "new"
    for path in sorted(delivered.iterdir() if delivered.exists() else [], key=lambda p: p.name):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if msg["To"] == address:
            m = re.search(r"^\s+(\d{6,10})\s*$", msg.get_body(preferencelist=("plain",)).get_content(), re.M)
            if m:
                found.append(m.group(1))
    return found


def _use_a_real_code(case):
    auth = {k: v for k, v in (case.headers or {}).items() if k.lower() == "authorization"}
    query = case.query or {}
    purpose = query.get("purpose", case.body.get("purpose")) or "verify"
    if auth:
        me = requests.get(f"{BASE}/me", headers=auth, timeout=30)
        if me.status_code != 200:
            return
        address, body = me.json()["email"], {"purpose": purpose}
    else:
        address, purpose = RESET_ACCOUNT, "reset"
        body = {"email": address, "purpose": purpose}
        case.query = {k: v for k, v in query.items() if k not in ("email", "purpose")}
        case.body.update(body)
    before = len(_codes_to(address))
    if requests.post(f"{BASE}/send-otp", json=body, headers=auth, timeout=30).status_code != 200:
        return
    deadline = time.time() + 10
    while time.time() < deadline:
        codes = _codes_to(address)
        if len(codes) > before:
            case.body["code"] = codes[-1]
            return
        time.sleep(0.05)


@schemathesis.hook
def after_call(context, case, response):
    if STATUSES:
        with open(STATUSES, "a") as out:
            out.write(f"{case.method} {case.path} {response.status_code}\n")
    if case.operation.definition.raw.get("operationId") == "deleteAccount" and response.status_code == 200:
        _restore(ACCOUNTS[_current[0]][0])


def _restore(address):
    """A generated deleteAccount that succeeds would leave the run without
    its account: it is restored at once with the code mailed to it."""
    deadline = time.time() + 10
    while time.time() < deadline:
        for path in sorted((MAILDIR / "new").iterdir(), key=lambda p: p.name, reverse=True):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            m = re.search(r"enter this restore code:\s+(\S+)", msg.get_body(preferencelist=("plain",)).get_content())
            if msg["To"] == address and m:
                if requests.post(f"{BASE}/delete-account/restore", json={"token": m.group(1)}, timeout=30).status_code == 200:
                    return
        time.sleep(0.05)
    raise RuntimeError(f"the account {address} deleted by the run could not be restored")


@schemathesis.deserializer("text/html")
def html(ctx, response):
    """Pages are checked as what the document says they are: text."""
    return response.content.decode("utf-8")
