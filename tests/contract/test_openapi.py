"""The OpenAPI 3.1 document at <prefix>/openapi.json, and Schemathesis
against the whole suite behind a real nginx: every check, every phase
(examples, coverage, fuzzing, stateful), a bounded number of examples per
operation."""
import collections
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
ACCOUNTS = 6
# Examples per operation and phase: enough to find a disagreement between
# the document and the answers, small enough for `make test`.
MAX_EXAMPLES = int(os.environ.get("GATEHOUSE_CONTRACT_EXAMPLES", "100"))
# Limits high enough that generated requests get past them to the rules
# behind; the limits themselves are tested in tests/e2e/test_throttle.py.
LENIENT = dict(signin_free_failures=100, signin_failures_per_hour_per_ip=1_000_000, otp_send_cooldown="0s",
               otp_sends_per_hour_per_address=1000, otp_sends_per_hour_per_ip=100_000, otp_sends_per_hour_site=10_000_000,
               otp_max_failures_per_hour=100, otp_verify_failures_per_hour_per_ip=1_000_000, trusted_proxies="",
               signup_enabled="yes")


def test_document_is_openapi_3_1_and_says_this_sites_settings(make_stack):
    from openapi_spec_validator import validate
    stack = make_stack(workers=1, password_min_length=12, otp_length=8, otp_login_enabled="yes",
                       otp_unknown_address_404="yes", max_body_bytes=4096)
    r = requests.get(f"{stack.base}/openapi.json")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-store"
    doc = r.json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/account", "description": doc["servers"][0]["description"]}]
    change = doc["paths"]["/change-password"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert change["properties"]["new_password"]["minLength"] == 12
    assert change["properties"]["old_password"]["minLength"] == 8
    send = doc["paths"]["/send-otp"]["post"]
    assert "404" in send["responses"]
    assert "login" in send["requestBody"]["content"]["application/json"]["schema"]["properties"]["purpose"]["enum"]
    assert "8 digits" in send["description"]
    assert "4096 bytes" in doc["components"]["responses"]["TooLarge"]["description"]
    token = doc["paths"]["/token"]["post"]["requestBody"]["content"]
    assert set(token) == {"application/x-www-form-urlencoded", "application/json"}
    assert doc["components"]["securitySchemes"]["password"]["flows"]["password"]["tokenUrl"] == "/account/token"
    # The 401 and its header, the 422 shape, as the endpoints send them.
    assert doc["components"]["headers"]["WWW-Authenticate"]["schema"]["const"] == "Bearer"
    issue = doc["components"]["schemas"]["ValidationError"]
    assert issue["required"] == ["type", "loc", "msg", "input"]


def test_defaults_leave_out_what_the_site_has_not_switched_on(stack):
    doc = requests.get(f"{stack.base}/openapi.json").json()
    send = doc["paths"]["/send-otp"]["post"]
    assert "404" not in send["responses"]
    assert send["requestBody"]["content"]["application/json"]["schema"]["properties"]["purpose"]["enum"] == ["", "verify", "reset"]
    # Only GET: anything else is the usual 405 with Allow.
    r = requests.post(f"{stack.base}/openapi.json", json={})
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def run_schemathesis(stack, report: Path, statuses: Path):
    accounts = [(f"contract{i}@example.com", f"contract-password-{i}") for i in range(ACCOUNTS)]
    for email, password in accounts:
        stack.add_user(email, password)
    reset_account, _ = stack.add_user("contract-reset@example.com")
    env = {**os.environ, "PYTHONPATH": str(HERE), "GATEHOUSE_CONTRACT_BASE": stack.base,
           "GATEHOUSE_CONTRACT_ACCOUNTS": ",".join(f"{e}:{p}" for e, p in accounts), "NO_COLOR": "1",
           "GATEHOUSE_CONTRACT_MAILDIR": str(stack.var / "mail"), "GATEHOUSE_CONTRACT_RESET_ACCOUNT": reset_account,
           "GATEHOUSE_CONTRACT_STATUSES": str(statuses)}
    # Run from a scratch directory: Hypothesis keeps state where it runs.
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"), "run", f"{stack.base}/openapi.json", "--url", stack.base,
           "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
           "--workers", "1", "--generation-database", "none", "--seed", os.environ.get("GATEHOUSE_CONTRACT_SEED", "20261126"),
           "--report", "junit", "--report-junit-path", str(report)]
    return subprocess.run(cmd, cwd=report.parent, env=env, capture_output=True, text=True, timeout=1200)


def test_schemathesis_finds_the_answers_as_documented(make_stack, tmp_path):
    stack = make_stack(workers=2, **LENIENT)
    statuses = tmp_path / "statuses.txt"
    done = run_schemathesis(stack, tmp_path / "junit.xml", statuses)
    print(done.stdout[-6000:])
    tally = collections.Counter(statuses.read_text().split("\n")[:-1]) if statuses.exists() else {}
    print("answers by operation and status:")
    for line, n in sorted(tally.items()):
        print(f"  {line}: {n}")
    if os.environ.get("GATEHOUSE_CONTRACT_LOG"):
        Path(os.environ["GATEHOUSE_CONTRACT_LOG"]).write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-4000:]
    operations = re.search(r"Operations:\s+(\d+) selected / (\d+) total", done.stdout)
    # All 43 but GET /openapi.json, which Schemathesis leaves out as the
    # document's own address (the tests above fetch it).
    assert operations and operations.group(1) == operations.group(2) == "42", done.stdout[-3000:]
    cases = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert cases and cases.group(1) == cases.group(2) and int(cases.group(1)) > 12 * MAX_EXAMPLES // 2
    # The run got past sign-in and through the code flow, not only to the
    # first refusal of each endpoint.
    for reached in ["POST /token 200", "GET /me 200", "POST /send-otp 200", "POST /verify-otp 200", "POST /logout 200",
                    "GET /sessions 200", "POST /mfa/totp/setup 200", "GET /mfa 200", "POST /passkeys/register/options 200",
                    "POST /passkeys/login/options 200", "GET /passkeys 200"]:
        assert tally.get(reached), f"no {reached} in the run"
    # Nothing the run sent reached the error log as a crash.
    assert "internal error" not in stack.error_log()
