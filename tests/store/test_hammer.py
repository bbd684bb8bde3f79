"""Several processes read-modify-write the same records at once: with the
inter-process lock (flat files) or the row lock (PostgreSQL) no update is
lost (N processes x M increments = N*M)."""
import subprocess
import time

import pytest

from conftest import BIN, Postgres


@pytest.fixture(params=["flatfile", "postgresql"])
def target(request, tmp_path):
    """Where the processes write: a data directory, or a database."""
    return str(tmp_path) if request.param == "flatfile" else "postgresql:" + Postgres.database()

N, M = 8, 250


def run_all(args_list):
    procs = [subprocess.Popen([BIN / "gatehouse-stress", *map(str, a)]) for a in args_list]
    for p in procs:
        assert p.wait(timeout=300) == 0


def test_no_lost_update_on_durable_records(target):
    t = time.perf_counter()
    run_all([("hammer-user", target, M)] * N)
    elapsed = time.perf_counter() - t
    epoch, _ = subprocess.run([BIN / "gatehouse-stress", "read", target], capture_output=True, text=True,
                              check=True).stdout.split()
    print(f"hammer-user ({target.split(':')[0][:10]}): {N} processes x {M} durable updates = {epoch} in {elapsed:.2f}s")
    assert int(epoch) == N * M


def test_no_lost_update_on_counters(target):
    t = time.perf_counter()
    run_all([("hammer-counter", target, M * 4)] * N)
    elapsed = time.perf_counter() - t
    _, count = subprocess.run([BIN / "gatehouse-stress", "read", target], capture_output=True, text=True,
                              check=True).stdout.split()
    print(f"hammer-counter ({target.split(':')[0][:10]}): {N} processes x {M * 4} in-place updates = {count} in {elapsed:.2f}s")
    assert int(count) == N * M * 4
