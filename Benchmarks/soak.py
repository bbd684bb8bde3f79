#!/usr/bin/env python3
"""`make soak`: SOAK_SECONDS (600) at saturation through nginx on a mix of
sign-in, me, send-otp and verify-otp, all at once, sampling every
responder worker's resident memory every 10 s. Prints the statuses nginx
logged that were not expected (must be 0) and each worker's memory growth
(the floor of its samples in the second quarter against the last quarter;
must be flat). Not part of `make test`."""
import collections
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import Request, urlopen

from harness import write_config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ["GATEHOUSE_BIN"])
VAR = ROOT / "var-soak"
PORT = int(os.environ.get("SOAK_PORT", "8098"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
BASE = f"http://127.0.0.1:{PORT}"
# What each endpoint may answer in this mix. 429 is expected: the mix
# hammers one account and one address on purpose.
EXPECTED = {"/account/token": {200, 400, 429}, "/account/me": {200}, "/account/send-otp": {200, 429},
            "/account/verify-otp": {403, 429}}


def sh(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, **kw)


def rss_kib(pid):
    m = re.search(r"^VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


def workers():
    out = {}
    for pidfile in (VAR / "run").glob("*.pid"):
        name = pidfile.stem
        if name in ("nginx", "whoami", "server.launcher"):
            continue
        for parent in pidfile.read_text().split():
            kids = subprocess.run(["ps", "-o", "pid=", "--ppid", parent], capture_output=True, text=True).stdout.split()
            for k in kids:
                out[f"{name}:{k}"] = int(k)
    return out


def main():
    if (VAR / "run").exists():
        subprocess.run([ROOT / "scripts/stack", "stop", VAR])
    subprocess.run(["rm", "-rf", str(VAR)])
    (VAR / "lua").mkdir(parents=True)
    write_config(VAR)
    sh(ROOT / "scripts/stack", "start", VAR, PORT, BIN, 2)
    try:
        env = {**os.environ, "GATEHOUSE_CONFIG": str(VAR / "gatehouse.conf")}
        sh(BIN / "gatehousectl", "user", "add", "soak@example.com", input=b"soak password 1\n", env=env, stdout=subprocess.DEVNULL)
        body = "grant_type=password&username=soak%40example.com&password=soak+password+1".encode()
        with urlopen(Request(f"{BASE}/account/token", data=body)) as r:
            import json
            token = json.loads(r.read())["access_token"]
        lua = {
            "token": 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                     'wrk.body = "grant_type=password&username=soak%40example.com&password=soak+password+1"\n',
            "me": f'wrk.headers["Authorization"] = "Bearer {token}"\n',
            "send-otp": 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                        'request = function()\n  return wrk.format(nil, nil, nil, \'{"email":"soak\' .. math.random(1, 50000) .. \'@example.com"}\')\nend\n',
            "verify-otp": 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                          'request = function()\n  return wrk.format(nil, nil, nil, \'{"email":"nobody\' .. math.random(1, 50000) .. \'@example.com","code":"000000"}\')\nend\n',
        }
        for name, text in lua.items():
            (VAR / "lua" / f"{name}.lua").write_text(text)
        conns = {"token": 2, "me": 16, "send-otp": 8, "verify-otp": 16}
        runs = [subprocess.Popen(["wrk", "-t1", f"-c{conns[n]}", f"-d{SECONDS}s", "-s", str(VAR / "lua" / f"{n}.lua"),
                                  f"{BASE}/account/{n}"], stdout=subprocess.PIPE, text=True) for n in lua]
        samples = collections.defaultdict(list)
        start = time.time()
        while any(p.poll() is None for p in runs):
            for key, pid in workers().items():
                try:
                    samples[key].append((time.time() - start, rss_kib(pid)))
                except FileNotFoundError:
                    pass
            time.sleep(10)
        outputs = [p.communicate()[0] for p in runs]
    finally:
        subprocess.run([ROOT / "scripts/stack", "stop", VAR])
    statuses = collections.Counter()
    for line in (VAR / "log" / "nginx-access.log").read_text().splitlines():
        m = re.search(r'"(?:GET|POST) (\S+) HTTP/1\.1" (\d{3})', line)
        if m:
            statuses[(m.group(1).split("?")[0], int(m.group(2)))] += 1
    # 499: wrk closing its connections at the end. Only the mix's endpoints are judged.
    unexpected = {k: v for k, v in statuses.items() if k[0] in EXPECTED and k[1] not in EXPECTED[k[0]] and k[1] != 499}
    print(f"soak: {SECONDS} s, {sum(statuses.values()):,} requests")
    for (path, status), n in sorted(statuses.items()):
        print(f"  {path:24} {status}  {n:>10,}")
    for out, name in zip(outputs, lua):
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
        print(f"  {name:12} {float(rate.group(1)) if rate else 0:>10,.0f} req/s")
    print(f"unexpected statuses: {sum(unexpected.values())} {dict(unexpected) if unexpected else ''}")
    # The least resident memory in the second quarter of the run (every
    # worker warm) against the least in the last quarter: a leak raises the
    # floor, while a sign-in's 19 MiB of Argon2id working memory comes and
    # goes with each request and would only make single samples noisy.
    print("resident memory per worker (KiB): floor in the 2nd quarter → floor in the last quarter, growth")
    worst = 0
    for key, series in sorted(samples.items()):
        early = [rss for t, rss in series if SECONDS / 4 <= t < SECONDS / 2]
        late = [rss for t, rss in series if t >= SECONDS * 3 / 4]
        if early and late:
            growth = min(late) - min(early)
            worst = max(worst, growth)
            print(f"  {key:28} {min(early):>8} → {min(late):>8}  {growth:+}")
    print(f"largest growth: {worst} KiB")
    return 0 if not unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
