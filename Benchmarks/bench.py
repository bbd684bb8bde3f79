#!/usr/bin/env python3
"""`make bench`: Gatehouse and its peers measured in one run on this machine,
every figure a ratio to something measured in the same run (these machines
are noisy: nothing here is asserted). Writes Benchmarks/RESULTS.md and
Benchmarks/results.png and prints the table.

Peers, each behind the same nginx: a C libfcgi constant responder (the
FastCGI ceiling), the FastAPI original (Benchmarks/peers/fastapi_app.py,
uvicorn, 2 workers), a PHP-FPM flat-file equivalent with flock
(Benchmarks/peers/verify-otp.php, 2 children), nginx's own `return 200`;
for CGI, a C and a static Swift hello-world program.

Environment: GATEHOUSE_BIN (the release build), BENCH_SECONDS (5),
BENCH_USERS (100000), BENCH_PORT (8099, and 8109 for the stack on PostgreSQL), BENCH_FLOOD
(1000000 guesses), BENCH_WORKERS (4, as make run), BENCH_WORKER_CHOICES ("2 3 4 6")."""
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

from harness import write_config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ["GATEHOUSE_BIN"])
VAR = ROOT / "var-bench"
PORT = int(os.environ.get("BENCH_PORT", "8099"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
USERS = int(os.environ.get("BENCH_USERS", "100000"))
FLOOD = int(os.environ.get("BENCH_FLOOD", "1000000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
WORKER_CHOICES = [int(n) for n in os.environ.get("BENCH_WORKER_CHOICES", "2 3 4 6").split()]
BASE = f"http://127.0.0.1:{PORT}"
started = []  # (description, stop function)


def sh(*args, check=True, **kw):
    return subprocess.run([str(a) for a in args], check=check, **kw)


def http(url, data=None, headers=None):
    req = Request(url, data=data.encode() if isinstance(data, str) else data, headers=headers or {})
    try:
        with urlopen(req) as r:
            return r.status, r.read()
    except Exception as e:  # HTTPError carries the answer
        return getattr(e, "code", 0), getattr(e, "read", lambda: b"")()


def lua(name, body):
    path = VAR / "lua" / f"{name}.lua"
    path.write_text(body)
    return path


def wrk(url, script=None, connections=32):
    """req/s, p50 ms, p99 ms, non-2xx share."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency"] + (["-s", str(script)] if script else []) + [url]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0

    def ms(pct):
        v, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return {"rate": rate, "p50": ms(50), "p99": ms(99), "non2xx": non2xx / max(total, 1)}


def pss_kib(pid):
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def du(path):
    """(bytes on disk, inodes) under path."""
    blocks = inodes = 0
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            blocks += st.st_blocks
            inodes += 1
    return blocks * 512, inodes


def cgi_ms(argv, env, n=300):
    full = {"PATH": "/usr/bin:/bin", **env}
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(argv, env=full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) / n * 1000


def stop_all():
    for what, stop in reversed(started):
        try:
            stop()
        except Exception as e:  # keep stopping the rest
            print(f"stopping {what}: {e}", file=sys.stderr)


def start_peers():
    """The C responder, FastAPI and PHP-FPM, each the way a competent operator
    runs it, and their nginx locations (the upstreams at http level, with
    keepalive: a new connection per request would make FastAPI look a third
    slower than it is). PHP-FPM gets a connection per request: kept
    connections pin each of its two children to one nginx connection, which
    measured slower (p99 over a second)."""
    sh("spawn-fcgi", "-s", VAR / "run/c.sock", "-M", "0660", "-F", "2", "-P", VAR / "run/c.pid", "--", VAR / "c/constant-fcgi",
       stdout=subprocess.DEVNULL)
    started.append(("C responder", lambda: sh("sh", "-c", f"kill $(cat {VAR}/run/c.pid)")))
    # FastAPI under uvicorn with its fast event loop and HTTP parser, 2 workers.
    uvicorn = subprocess.Popen([sys.executable, "-m", "uvicorn", "fastapi_app:app", "--workers", "2", "--uds",
                                str(VAR / "run/fastapi.sock"), "--no-access-log", "--log-level", "warning",
                                "--loop", "uvloop", "--http", "httptools"],
                               cwd=ROOT / "Benchmarks/peers", start_new_session=True)
    started.append(("uvicorn", lambda: os.killpg(uvicorn.pid, signal.SIGTERM)))
    # PHP-FPM, 2 static children with OPcache, as the benchmark's own master.
    fpm = shutil.which("php-fpm") or sorted(Path("/usr/sbin").glob("php-fpm*"))[-1]
    (VAR / "php/php-fpm.conf").write_text(f"""[global]
pid = {VAR}/run/php-fpm.pid
error_log = {VAR}/log/php-fpm.log
daemonize = no
[bench]
listen = {VAR}/run/php.sock
listen.mode = 0666
pm = static
pm.max_children = 2
clear_env = no
php_admin_flag[opcache.enable] = on
php_admin_value[opcache.validate_timestamps] = 0
env[BENCH_PHP_STORE] = {VAR}/php/store.json
{"user = root" if os.getuid() == 0 else ""}
""")
    php = subprocess.Popen([str(fpm), "-y", str(VAR / "php/php-fpm.conf"), "-F"] + (["-R"] if os.getuid() == 0 else []),
                           start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(("php-fpm", lambda: os.killpg(php.pid, signal.SIGTERM)))
    (VAR / "nginx/extra-http/bench.conf").write_text(f"""
upstream bench_fastapi {{ server unix:{VAR}/run/fastapi.sock; keepalive 32; }}
""")
    (VAR / "nginx/extra/bench.conf").write_text(f"""
location = /bench/nginx {{ default_type application/json; return 200 '{{"ok":true}}'; }}
location = /bench/c {{ include /etc/nginx/fastcgi_params; fastcgi_pass unix:{VAR}/run/c.sock; }}
location = /bench/static {{ default_type text/html; alias {VAR}/www/private/index.html; }}
location = /bench/fastapi/verify-otp {{ proxy_pass http://bench_fastapi/verify-otp; proxy_http_version 1.1;
    proxy_set_header Connection ""; }}
location = /bench/php/verify-otp {{ include /etc/nginx/fastcgi_params;
    fastcgi_param SCRIPT_FILENAME {ROOT}/Benchmarks/peers/verify-otp.php; fastcgi_pass unix:{VAR}/run/php.sock; }}
""")
    sh("nginx", "-p", VAR / "nginx", "-c", VAR / "nginx/nginx.conf", "-s", "reload", stderr=subprocess.DEVNULL)
    for sock in ["fastapi.sock", "php.sock"]:
        for _ in range(100):
            if (VAR / "run" / sock).exists():
                break
            time.sleep(0.1)
    time.sleep(1)
    opcache = subprocess.run([str(fpm), "-m"], capture_output=True, text=True).stdout
    return "Zend OPcache" in opcache


def start_gatehouse(workers):
    sh(ROOT / "scripts" / "stack", "start", VAR, PORT, BIN, workers)
    started.append(("gatehouse stack", lambda: sh(ROOT / "scripts" / "stack", "stop", VAR)))


def stop_gatehouse():
    sh(ROOT / "scripts" / "stack", "stop", VAR)
    started.remove(next(s for s in started if s[0] == "gatehouse stack"))


def start_postgres_stack():
    """The same stack with store = postgresql, on PORT+10, its cluster under
    var-bench/pg (scripts/postgres)."""
    cluster, pvar = VAR / "pg", VAR / "pg-stack"
    sh(ROOT / "scripts" / "postgres", "start", cluster)
    started.append(("postgres", lambda: sh(ROOT / "scripts" / "postgres", "stop", cluster)))
    sh(ROOT / "scripts" / "postgres", "createdb", cluster, "bench")
    pvar.mkdir()
    write_config(pvar, *BENCH_SETTINGS, "store = postgresql", f"postgresql_dsn = host={cluster} dbname=bench user=postgres")
    sh(ROOT / "scripts" / "stack", "start", pvar, PORT + 10, BIN, 2)
    started.append(("gatehouse stack on postgresql", lambda: sh(ROOT / "scripts" / "stack", "stop", pvar)))
    return pvar


BENCH_SETTINGS = ["otp_max_failures_per_hour = 100", "otp_verify_failures_per_hour_per_ip = 1000000",
                  "otp_send_cooldown = 0", "otp_sends_per_hour_per_address = 1000"]


def setup():
    if (VAR / "run").exists():
        sh(ROOT / "scripts" / "stack", "stop", VAR, check=False)
    if (VAR / "pg-stack/run").exists():
        sh(ROOT / "scripts" / "stack", "stop", VAR / "pg-stack", check=False)
    sh(ROOT / "scripts" / "postgres", "stop", VAR / "pg", check=False)
    shutil.rmtree(VAR, ignore_errors=True)
    for d in ["c", "lua", "peers", "php"]:
        (VAR / d).mkdir(parents=True)
    cc = os.environ.get("CC", "cc")
    sh(cc, "-O2", "-o", VAR / "c" / "constant-fcgi", ROOT / "Benchmarks/c/constant-fcgi.c", "-lfcgi")
    sh(cc, "-O2", "-o", VAR / "c" / "constant-cgi", ROOT / "Benchmarks/c/constant-cgi.c")
    swiftc = shutil.which("swiftc") or "/opt/swift/usr/bin/swiftc"
    sh(swiftc, "-O", "-static-stdlib", "-o", VAR / "c" / "swift-hello", ROOT / "Benchmarks/swift/hello.swift")
    write_config(VAR, *BENCH_SETTINGS)
    start_gatehouse(WORKERS)
    return start_peers()


def sign_in(base, config):
    env = {**os.environ, "GATEHOUSE_CONFIG": str(config)}
    sh(BIN / "gatehousectl", "user", "add", "bench@example.com", input=b"bench password 1\n", env=env, stdout=subprocess.DEVNULL)
    status, body = http(f"{base}/account/token", "grant_type=password&username=bench%40example.com&password=bench+password+1",
                        {"Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(body)["access_token"]
    # A code outstanding for the bench user, so a wrong guess is checked against one.
    http(f"{base}/account/send-otp", "{}", {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return token


def workers_of(var, name):
    pids = []
    for pid in (var / "run" / f"{name}.pid").read_text().split():
        pids += children(int(pid)) or [int(pid)]
    return pids


def traced(pids, url, script, only=None):
    """Syscalls per request of the workers `pids` (strace -c -f), over a
    two-second wrk run of one connection: (total per request, the five
    most frequent per request). Counts, not times: strace slows what it
    watches, never what it counts."""
    out = VAR / "strace.txt"
    args = ["strace", "-c", "-f", "-o", str(out)] + (["-e", f"trace={only}"] if only else [])
    for pid in pids:
        args += ["-p", str(pid)]
    tracer = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    res = subprocess.run(["wrk", "-t1", "-c1", "-d2s", "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", res).group(1))
    tracer.send_signal(signal.SIGINT)
    tracer.wait()
    calls = {}
    for line in out.read_text().splitlines():
        f = line.split()
        if len(f) >= 5 and f[-1] != "total" and f[3].isdigit():
            calls[f[-1]] = int(f[3])
    total = sum(calls.values())
    top = sorted(calls.items(), key=lambda kv: -kv[1])[:6]
    return total / max(requests, 1), [(name, n / max(requests, 1)) for name, n in top]


def main():
    opcache = setup()
    token = sign_in(BASE, VAR / "gatehouse.conf")
    for path, want in [("/bench/c", 200), ("/bench/fastapi/verify-otp", 403), ("/bench/php/verify-otp", 403)]:
        got, body = http(BASE + path, '{"code":"000000"}', {"Authorization": "Bearer x", "Content-Type": "application/json"})
        assert got == want, (path, got, body[:200])

    bearer = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    # Wrong codes from 2,000 client addresses (X-Forwarded-For, trusted from
    # 127.0.0.1), each under its hourly budget for the run: what is measured
    # is a checked guess, not a 429.
    wrong = lua("wrong-code", bearer + """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"code":"000000"}'
request = function()
  wrk.headers["X-Forwarded-For"] = "10.1." .. math.random(0, 7) .. "." .. math.random(1, 250)
  return wrk.format()
end
""")
    # A botnet's flood: a wrong code for an unknown address, from a client
    # network (a /24) never seen before, every request. Counts the 503s.
    botnet = lua("botnet", """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n, first = 0, 11
local threads = {}
setup = function(thread) table.insert(threads, thread); thread:set("id", #threads) end
init = function() first = 10 + id; unavailable = 0 end
request = function()
  n = n + 1
  wrk.headers["X-Forwarded-For"] = first .. "." .. (math.floor(n / 65536) % 256) .. "." .. (math.floor(n / 256) % 256) .. "." .. (n % 256)
  return wrk.format(nil, nil, nil, '{"email":"flood' .. first .. "-" .. n .. '@example.com","code":"000000"}')
end
response = function(status) if status == 503 then unavailable = unavailable + 1 end end
done = function()
  local u = 0
  for _, t in ipairs(threads) do u = u + t:get("unavailable") end
  io.write("unavailable: " .. u .. "\\n")
end
""")
    me = lua("me", bearer)
    signin = lua("signin", """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=bench%40example.com&password=bench+password+1"
""")
    print(f"Measuring, {SECONDS} s each, wrk -t2 -c32 …", file=sys.stderr)
    r = {}
    r["nginx"] = wrk(f"{BASE}/bench/nginx")
    r["c"] = wrk(f"{BASE}/bench/c")
    r["me"] = wrk(f"{BASE}/account/me", me)
    r["static"] = wrk(f"{BASE}/bench/static")
    r["verify"] = wrk(f"{BASE}/private/index.html", me)
    r["verify_otp"] = wrk(f"{BASE}/account/verify-otp", wrong)
    r["botnet"] = wrk(f"{BASE}/account/verify-otp", botnet)
    r["fastapi"] = wrk(f"{BASE}/bench/fastapi/verify-otp", wrong)
    r["php"] = wrk(f"{BASE}/bench/php/verify-otp", wrong)
    r["signin"] = wrk(f"{BASE}/account/token", signin, connections=4)
    r["sessions"] = wrk(f"{BASE}/account/sessions", me)
    r["mfa_state"] = wrk(f"{BASE}/account/mfa", me)
    r["c_again"] = wrk(f"{BASE}/bench/c")
    argon = subprocess.run(f'("{BIN}/gatehouse-stress" argon2 "{VAR}/argon" {SECONDS} & "{BIN}/gatehouse-stress" argon2 "{VAR}/argon" {SECONDS}; wait)',
                           shell=True, check=True, capture_output=True, text=True).stdout
    r["argon"] = sum(float(x) for x in argon.split())

    # Syscalls per request, counted.
    sys_counts = {
        "me": traced(workers_of(VAR, "me"), f"{BASE}/account/me", me),
        "verify-otp, session + wrong code": traced(workers_of(VAR, "verify-otp"), f"{BASE}/account/verify-otp", wrong),
        "verify-otp, botnet": traced(workers_of(VAR, "verify-otp"), f"{BASE}/account/verify-otp", botnet),
    }

    # PostgreSQL: the same questions of a stack on store = postgresql, and
    # its round trips per request (libpq sends each statement with one send).
    pvar = start_postgres_stack()
    pbase = f"http://127.0.0.1:{PORT + 10}"
    ptoken = sign_in(pbase, pvar / "gatehouse.conf")
    pbearer = f'wrk.headers["Authorization"] = "Bearer {ptoken}"\n'
    pme = lua("pg-me", pbearer)
    pwrong = lua("pg-wrong-code", pbearer + (VAR / "lua/wrong-code.lua").read_text().split("\n", 1)[1])
    r["pg_me"] = wrk(f"{pbase}/account/me", pme)
    r["pg_verify_otp"] = wrk(f"{pbase}/account/verify-otp", pwrong)
    trips = {
        "me": traced(workers_of(pvar, "me"), f"{pbase}/account/me", pme, only="sendto")[0],
        "verify-otp": traced(workers_of(pvar, "verify-otp"), f"{pbase}/account/verify-otp", pwrong, only="sendto")[0],
    }

    # CGI: one request per process, a bearer token and what nginx would pass.
    cgi_env = {"REQUEST_METHOD": "GET", "REMOTE_ADDR": "127.0.0.1", "REQUEST_URI": "/account/me", "SCRIPT_NAME": "/account/me",
               "SERVER_NAME": "localhost", "SERVER_PORT": str(PORT), "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
               "GATEHOUSE_CONFIG": str(VAR / "gatehouse.conf"), "HTTP_AUTHORIZATION": f"Bearer {token}",
               "GATEWAY_INTERFACE": "CGI/1.1", "SWIFT_BACKTRACE": "enable=no"}
    out = subprocess.run([BIN / "me"], env=cgi_env, capture_output=True).stdout
    assert out.startswith(b"Status: 200"), out[:200]
    cgi = {"c": cgi_ms([VAR / "c/constant-cgi"], {}), "swift": cgi_ms([VAR / "c/swift-hello"], {}),
           "me": cgi_ms([BIN / "me"], cgi_env)}

    # Memory: unique pages (Pss) of each idle worker.
    gh = []
    for name in ["token", "me", "verify-otp", "verify", "send-otp", "change-password", "logout", "mfa", "reauth", "sessions"]:
        gh += [pss_kib(p) for p in workers_of(VAR, name)]
    php_master = int((VAR / "run/php-fpm.pid").read_text())
    php_children = [pss_kib(p) for p in children(php_master)]
    mem = {"gatehouse": statistics.median(gh), "gatehouse_max": max(gh), "php": statistics.median(php_children)}

    # A botnet's flood of wrong guesses at unknown addresses, each from a new
    # client network: what it leaves on disk, and whether anyone got a 503.
    before = du(VAR / "data")
    flood_start = time.time()
    sent = unavailable = 0
    while sent < FLOOD and time.time() - flood_start < 300:
        res = subprocess.run(["wrk", "-t2", "-c32", "-d10s", "-s", str(botnet), f"{BASE}/account/verify-otp"],
                             capture_output=True, text=True, check=True).stdout
        sent += int(re.search(r"(\d+) requests in", res).group(1))
        unavailable += int(re.search(r"unavailable: (\d+)", res).group(1))
    after = du(VAR / "data")
    table = VAR / "data/counters.table"
    disk = {"guesses": sent, "bytes": after[0] - before[0], "inodes": after[1] - before[1], "unavailable": unavailable,
            "audit": (VAR / "data/audit.log").stat().st_size if (VAR / "data/audit.log").exists() else 0,
            "table": table.stat().st_size if table.exists() else 0}

    # Workers per responder: the same two questions with more of them.
    workers = {WORKERS: (r["me"]["rate"], r["verify_otp"]["rate"])}
    for n in WORKER_CHOICES:
        if n == WORKERS:
            continue
        stop_gatehouse()
        start_gatehouse(n)
        time.sleep(1)
        workers[n] = (wrk(f"{BASE}/account/me", me)["rate"], wrk(f"{BASE}/account/verify-otp", wrong)["rate"])

    store = {}
    for label, n in [("small", 1000), ("large", USERS)]:
        sh(BIN / "gatehouse-stress", "populate", VAR / f"store-{label}", n, stdout=subprocess.DEVNULL)
        out = subprocess.run([BIN / "gatehouse-stress", "ops", VAR / f"store-{label}", str(n), "2000"],
                             capture_output=True, text=True, check=True).stdout.split()
        store[label] = dict(zip(out[::2], map(float, out[1::2])))
    locks = subprocess.run([BIN / "gatehouse-stress", "locks", VAR / "locks", "200000"], capture_output=True, text=True,
                           check=True).stdout.split()
    locks = dict(zip(locks[::2], map(float, locks[1::2])))
    return dict(r=r, cgi=cgi, mem=mem, disk=disk, store=store, sys=sys_counts, trips=trips, workers=workers,
                opcache=opcache, locks=locks)


def report(m):
    r, cgi, mem, disk = m["r"], m["cgi"], m["mem"], m["disk"]
    c = statistics.mean([r["c"]["rate"], r["c_again"]["rate"]])
    rows = []  # scenario, measured, latency, ratio text, ratio, target text, met

    def row(name, key, ref, refname, target):
        rate = r[key]["rate"]
        ratio = rate / ref
        rows.append((name, f"{rate:,.0f} req/s", f"{r[key]['p50']:.2f} / {r[key]['p99']:.2f}", f"{ratio:.2f} × {refname}",
                     ratio, f"≥ {target}", ratio >= target))
    row("verify-otp, session + wrong code / C constant responder", "verify_otp", c, "C", 0.5)
    row("verify-otp, wrong code from a new client network each request (a botnet) / FastAPI", "botnet",
        r["fastapi"]["rate"], "FastAPI", 2.5)
    row("verify-otp / the FastAPI original (2 uvicorn workers, keepalive)", "verify_otp", r["fastapi"]["rate"], "FastAPI", 2.5)
    row("verify-otp / PHP-FPM + flock (OPcache)", "verify_otp", r["php"]["rate"], "PHP", 2.5)
    row("`me` / C constant responder", "me", c, "C", 0.8)
    row("`verify` (auth_request + a static page) / C", "verify", c, "C", 0.8)
    row("`me` on PostgreSQL / the same on flat files", "pg_me", r["me"]["rate"], "flat files", 0.6)
    row("verify-otp on PostgreSQL / the same on flat files", "pg_verify_otp", r["verify_otp"]["rate"], "flat files", 0.5)
    row("sign-in / raw Argon2id at the same cost", "signin", r["argon"], "raw", 0.95)
    cgi_ratio = cgi["me"] / cgi["swift"]
    rows.append(("CGI `me` / static Swift hello, one exec", f"{cgi['me']:.2f} ms", "",
                 f"{cgi_ratio:.2f} × hello ({cgi['swift']:.2f} ms; C {cgi['c']:.2f} ms)", cgi_ratio, "≤ 1.5",
                 cgi_ratio <= 1.5))
    pss = mem["gatehouse"] / 1024
    rows.append(("Pss per idle worker, median", f"{pss:.2f} MiB", "",
                 f"max {mem['gatehouse_max'] / 1024:.2f}; PHP-FPM child {mem['php'] / 1024:.2f} MiB", pss, "≤ 2 MiB", pss <= 2))
    grew = disk["bytes"] / 2**20
    rows.append((f"disk after {disk['guesses']:,} wrong guesses from as many client networks", f"{grew:.1f} MiB", "",
                 f"table {disk['table'] / 2**20:.0f} MiB (fixed); audit log {disk['audit'] / 2**20:.1f} MiB; "
                 f"{disk['inodes']:,} new inodes; {disk['unavailable']:,} answers 503", grew,
                 "the table's fixed size + the thinned audit log; no 503", disk["unavailable"] == 0))
    refs = [("nginx `return 200`", r["nginx"]), ("C libfcgi constant responder", r["c"]),
            ("C again (end of block)", r["c_again"]), ("static page, no auth", r["static"]),
            ("FastAPI original, 2 uvicorn workers (uvloop, httptools, upstream keepalive), wrong code", r["fastapi"]),
            ("PHP-FPM, 2 static children, OPcache " + ("on" if m["opcache"] else "NOT LOADED") + ", wrong code", r["php"]),
            ("Gatehouse `me` on PostgreSQL", r["pg_me"]), ("Gatehouse verify-otp on PostgreSQL", r["pg_verify_otp"]),
            ("Gatehouse GET /sessions (the person's list, flat files)", r["sessions"]),
            ("Gatehouse GET /mfa (the second factor's state)", r["mfa_state"])]
    return rows, refs


def write(rows, refs, m):
    machine = f"{os.cpu_count()} CPUs, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, " \
              f"{platform.platform()}"
    nginx_v = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    lines = [
        "# Benchmark results", "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Machine: {machine}; {nginx_v}.",
        f"Every throughput figure is `wrk -t2 -c32 -d{SECONDS}s --latency` through the same nginx (sign-in: `-c4`);",
        f"Gatehouse runs {WORKERS} workers per responder, as `make run` does. Only ratios within this one run mean anything:",
        "these machines are noisy. p50/p99 are wrk's latency percentiles in milliseconds.", "",
        "![Ratios against their targets](results.png)", "",
        "## Targets", "",
        "| scenario | measured | p50 / p99 ms | ratio | target | met |", "|---|---|---|---|---|---|",
    ]
    for name, measured, lat, ratio_text, _, target, met in rows:
        lines.append(f"| {name} | {measured} | {lat} | {ratio_text} | {target} | {'yes' if met else 'no'} |")
    lines += ["", "## References and peers (same run)", "", "| what | req/s | p50 / p99 ms | non-2xx |", "|---|---|---|---|"]
    for name, v in refs:
        lines.append(f"| {name} | {v['rate']:,.0f} | {v['p50']:.2f} / {v['p99']:.2f} | {v['non2xx']:.0%} |")
    lines += ["", "## Syscalls per request (strace -c, one connection)", "", "| request | syscalls | most frequent |",
              "|---|---|---|"]
    for name, (total, top) in m["sys"].items():
        lines.append(f"| {name} | {total:.1f} | " + ", ".join(f"{s} {n:.1f}" for s, n in top) + " |")
    lines += ["", "## PostgreSQL round trips per request (libpq's sends, counted)", "", "| request | round trips |", "|---|---|"]
    for name, n in m["trips"].items():
        lines.append(f"| {name} | {n:.2f} |")
    lines += ["", "## Workers per responder", "", "| workers | `me` req/s | verify-otp req/s |", "|---|---|---|"]
    for n, (a, b) in sorted(m["workers"].items()):
        lines.append(f"| {n} | {a:,.0f} | {b:,.0f} |")
    lk = m["locks"]
    lines += ["", "## The counter table's lock, one process, uncontended", "", "| lock | ns per lock and unlock |", "|---|---|"]
    for k, v in lk.items():
        lines.append(f"| {k.replace('_ns', '')} | {v:.0f} |")
    lines += ["", "## Store at scale", "", "| operation | 1,000 users | "
              f"{USERS:,} users | ratio |", "|---|---|---|---|"]
    for op in ("load_us", "update_us", "counter_us"):
        s, l = m["store"]["small"][op], m["store"]["large"][op]
        lines.append(f"| {op[:-3]} | {s:.0f} µs | {l:.0f} µs | {l / max(s, 1):.2f} |")
    lines += ["", "## How", "",
              "`make bench` (Benchmarks/run, then Benchmarks/bench.py): it starts the Gatehouse stack of `make run` with",
              "its own data under var-bench/, a second one on PostgreSQL, the C responder under spawn-fcgi, the FastAPI peer",
              "under uvicorn (2 workers, uvloop and httptools, on a UNIX socket behind nginx with upstream keepalive) and the",
              "PHP peer under php-fpm (2 static children, OPcache), and asks each the same question where the peer can answer",
              "it: a bearer token and a wrong code (403). Wrong guesses come from random X-Forwarded-For addresses so that",
              "per-client budgets do not turn them into 429s; the botnet's come from a new /24 each request, for an unknown",
              "address each. CGI figures are the mean of 300 execs. Memory is Pss from /proc/PID/smaps_rollup of every idle",
              "worker. Syscalls and round trips are counted with strace over a two-second run of one connection.", "",
              "Where the time goes, and why targets are missed: [docs/performance.md](../docs/performance.md).", ""]
    (ROOT / "Benchmarks/RESULTS.md").write_text("\n".join(lines))


def chart(rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    bars = [(name.replace("`", ""), ratio, float(re.search(r"[\d.]+", target).group()), target.startswith("≤"))
            for name, _, _, _, ratio, target, met in rows if target[:1] in "≥≤"]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(bars) + 1.2))
    for i, (name, ratio, target, lower) in enumerate(bars):
        good = ratio <= target if lower else ratio >= target
        score = target / ratio if lower else ratio / target  # 1.0 = exactly on target
        ax.barh(i, score, color="#2e7d32" if good else "#c62828")
        ax.text(score + 0.02, i, f"{ratio:.2f} (target {'≤' if lower else '≥'} {target:g})", va="center", fontsize=9)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("share of the target reached (1.0 = on target; right of the line = met)")
    ax.set_xlim(0, max(1.6, max((t / r if low else r / t) for _, r, t, low in bars) + 0.5))
    ax.set_title("Gatehouse against its targets, one run of make bench")
    fig.tight_layout()
    fig.savefig(ROOT / "Benchmarks/results.png", dpi=110)


if __name__ == "__main__":
    try:
        measured = main()
    finally:
        stop_all()
    rows, refs = report(measured)
    write(rows, refs, measured)
    chart(rows)
    print((ROOT / "Benchmarks/RESULTS.md").read_text())
