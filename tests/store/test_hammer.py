"""Several processes read-modify-write the same records at once: with the
inter-process lock no update is lost (N processes x M increments = N*M)."""
import subprocess
import time

from conftest import BIN

N, M = 8, 250


def run_all(args_list):
    procs = [subprocess.Popen([BIN / "gatehouse-stress", *map(str, a)]) for a in args_list]
    for p in procs:
        assert p.wait(timeout=300) == 0


def test_no_lost_update_on_durable_records(tmp_path):
    t = time.perf_counter()
    run_all([("hammer-user", tmp_path, M)] * N)
    elapsed = time.perf_counter() - t
    epoch, _ = subprocess.run([BIN / "gatehouse-stress", "read", tmp_path], capture_output=True, text=True,
                              check=True).stdout.split()
    print(f"hammer-user: {N} processes x {M} durable updates = {epoch} in {elapsed:.2f}s")
    assert int(epoch) == N * M


def test_no_lost_update_on_counters(tmp_path):
    t = time.perf_counter()
    run_all([("hammer-counter", tmp_path, M * 4)] * N)
    elapsed = time.perf_counter() - t
    _, count = subprocess.run([BIN / "gatehouse-stress", "read", tmp_path], capture_output=True, text=True,
                              check=True).stdout.split()
    print(f"hammer-counter: {N} processes x {M * 4} in-place updates = {count} in {elapsed:.2f}s")
    assert int(count) == N * M * 4
