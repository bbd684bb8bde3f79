"""A store written by the release before the address index
(tests/fixtures/store-1, made by tests/fixtures/make_store_fixture.py with
that release) served by this one, then `gatehousectl db migrate`, on both
stores: every session, code and factor still works, and the addresses are
indexed. The fixture's clock is moved to now (its sessions and codes would
have expired since); nothing else in it is touched."""
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
import requests
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import conftest  # noqa: E402
import softauthn  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-1"
ACCOUNTS = json.loads((FIXTURE / "accounts.json").read_text())
MOVED = ("created", "last_seen", "reauth_at", "expires")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def flatfile_store(var, shift):
    """The fixture's data directory, its sessions and codes `shift` seconds later."""
    shutil.copytree(FIXTURE / "flatfile", var / "data")
    for kind in ("sessions", "codes"):
        for f in (var / "data" / kind).glob("*/*/*"):
            f.write_text(re.sub(rf"^({'|'.join(MOVED)}): (\d+)$", lambda m: f"{m[1]}: {int(m[2]) + shift}",
                                f.read_text(), flags=re.M))
    return {}


def postgresql_store(var, shift):
    dsn = conftest.Postgres.database()
    parts = dict(p.split("=", 1) for p in dsn.split())
    psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", parts["host"], "-U", parts["user"], "-d", parts["dbname"]]
    subprocess.run([*psql, "-f", FIXTURE / "postgresql.sql"], check=True, capture_output=True)
    subprocess.run([*psql, "-c", f"UPDATE gatehouse_sessions SET created = created + {shift}, last_seen = last_seen + {shift}, "
                    f"reauth_at = reauth_at + {shift}; UPDATE gatehouse_codes SET created = created + {shift}, "
                    f"expires = expires + {shift}"], check=True, capture_output=True)
    return {"store": "postgresql", "postgresql_dsn": dsn}


@pytest.mark.parametrize("store", ["flatfile", "postgresql"])
def test_a_store_from_the_release_before_keeps_everything(tmp_path, store):
    fx = ACCOUNTS[store]
    ann, bob = fx["ann"], fx["bob"]
    shift = int(time.time()) - fx["made_at"]
    settings = (flatfile_store if store == "flatfile" else postgresql_store)(tmp_path, shift)
    s = conftest.Stack(tmp_path, **settings).start()
    try:
        # Served before the migration too: a session names its account's id, which has not changed.
        assert requests.get(f"{s.base}/me", headers=bearer(bob["token"])).json()["email"] == bob["email"]

        out = s.ctl("db", "migrate").stdout
        # PostgreSQL's migration 5 indexes in SQL (gatehousectl init ran it); the flat files need the walk.
        assert ("indexed 0 addresses" if store == "postgresql" else "indexed 2 addresses") in out, out
        assert "indexed 0 addresses" in s.ctl("db", "migrate").stdout, "again: nothing to do"

        assert requests.get(f"{s.base}/me", headers=bearer(ann["token"])).json()["email"] == ann["email"]
        r = requests.post(f"{s.base}/verify-otp", json={"email": bob["email"], "code": bob["reset_code"], "purpose": "reset"})
        assert r.status_code == 200, r.text

        def sign_in(**extra):
            return requests.post(f"{s.base}/token", data={"username": ann["email"], "password": ann["password"], **extra},
                                 headers={"X-Forwarded-For": s.client_ip()})
        r = sign_in()
        assert r.status_code == 403 and r.json()["error"] == "mfa_required", "the app is still asked for"
        while 28.5 <= time.time() % 30:
            time.sleep(0.2)
        assert sign_in(mfa_code=pyotp.TOTP(ann["totp_secret"]).now()).status_code == 200

        pk = ann["passkey"]
        cred = softauthn.Credential(alg=pk["alg"], user_handle=softauthn.unb64url(pk["user_handle"]),
                                    credential_id=softauthn.unb64url(pk["id"]))
        cred.key = serialization.load_pem_private_key(pk["key"].encode(), password=None)
        cred.count = pk["count"]
        options = requests.post(f"{s.base}/passkeys/login/options").json()
        r = requests.post(f"{s.base}/passkeys/login", json=softauthn.get(options, s.webauthn_origin, cred),
                          headers={"X-Forwarded-For": s.client_ip()})
        assert r.status_code == 200, r.text

        # The address is still the account's: no second account gets it.
        r = s.ctl("user", "add", ann["email"], input="another password 9\n", check=False)
        assert r.returncode == 5 and "user already exists" in r.stderr
        s.add_user("carol@example.com", "carol's password 3")
        assert s.token("carol@example.com", "carol's password 3")
    finally:
        s.stop()


def test_db_migrate_on_a_new_store_indexes_nothing(stack):
    stack.add_user()
    assert "indexed 0 addresses" in stack.ctl("db", "migrate").stdout
