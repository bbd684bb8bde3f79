"""No one can use the disk to shut sign-in. Every counter lives in one
table of fixed size (counter_table_mib), so a flood from new networks, or
for made-up accounts, takes no more disk than that table; and inside the
data directory's reserve (data_dir_reserve_mib / _inodes) nothing stops:
the audit lines go to the error log instead of the audit log."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests


def files(data):
    return sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())


def test_a_flood_from_new_networks_takes_the_tables_fixed_size_and_refuses_no_one(make_stack):
    s = make_stack(counter_table_mib=1, argon2_memlimit_kib=1024, argon2_opslimit=1)
    if s.store == "postgresql":
        pytest.skip("with store = postgresql counters live in the database")
    data = s.var / "data"
    email, password = s.add_user()
    assert s.sign_in(email, "wrong", ip="192.0.2.1").status_code == 400
    table = data / "counters.table"
    size, before = table.stat().st_size, files(data)
    assert size == 4096 + 16384 * 64

    # 10,000 wrong codes for made-up addresses, each from a /48 of its own:
    # two counters each (the network's and the wider network's), more than
    # the table's 16,384 slots.
    def guess(i):
        ip = f"2001:db8:{i:x}::1"
        return requests.post(f"{s.base}/verify-otp", json={"email": f"nobody{i}@example.com", "code": "000000"},
                             headers={"X-Forwarded-For": ip}).status_code

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(10_000)))
    assert set(answers) == {403}, {a: answers.count(a) for a in set(answers)}
    assert table.stat().st_size == size
    # No file per counter, per network or per made-up address: at most the
    # lock files of the code shards (256, made once) are new.
    new = set(files(data)) - set(before)
    assert all(name.startswith("codes/") and name.endswith("/.lock") for name in new) and len(new) <= 256, sorted(new)[:5]

    # The owner, from a network of their own, is refused nothing.
    assert s.sign_in(email, password, ip="198.51.100.7").status_code == 200
    for _ in range(5):
        assert s.sign_in(email, "wrong", ip="198.51.100.7").status_code == 400
    assert s.sign_in(email, password, ip="198.51.100.7").status_code == 429, "its back-off still counts"


def test_inside_the_reserve_sign_in_goes_on_and_the_audit_trail_goes_to_the_error_log(make_stack):
    s = make_stack(data_dir_reserve_mib=1_048_576)
    email, password = s.add_user()
    audit = s.var / "data" / "audit.log"
    before = audit.read_text() if audit.exists() else ""
    assert s.sign_in(email, "wrong").status_code == 400
    assert s.sign_in(email, password).status_code == 200
    r = requests.post(f"{s.base}/verify-otp", json={"email": "flood@example.com", "code": "000000"})
    assert r.status_code == 403
    assert (audit.read_text() if audit.exists() else "") == before
    log = s.error_log()
    assert "down to its reserve" in log
    assert '\\"event\\":\\"signin_failed\\"' in log or '"event":"signin_failed"' in log, log[-2000:]
    assert '"event":"signin_ok"' in log or '\\"event\\":\\"signin_ok\\"' in log
    assert password not in log
