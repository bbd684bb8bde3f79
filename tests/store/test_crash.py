"""kill -9 writers at random moments: every record still parses and fsck
finds no damage (at most stray temporary files, which --repair removes)."""
import random
import signal
import subprocess
import time

from conftest import BIN, Stack

ROUNDS = 20


def test_kill_nine_leaves_no_torn_record(tmp_path):
    data = tmp_path / "data"
    Stack(tmp_path).ctl("init")
    rng = random.Random(1234)
    strays = 0
    for round_ in range(ROUNDS):
        procs = [subprocess.Popen([BIN / "gatehouse-stress", "churn", data, str(round_ * 10 + i)]) for i in range(3)]
        time.sleep(rng.uniform(0.05, 0.4))
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        r = subprocess.run([BIN / "gatehousectl", "fsck", "--data-dir", data], capture_output=True, text=True,
                           env={"GATEHOUSE_CONFIG": str(tmp_path / "gatehouse.conf")})
        assert r.returncode == 0, r.stdout + r.stderr
        strays += r.stdout.count("stray-temp")
        assert not any(line.startswith("corrupt") for line in r.stdout.splitlines())
    read = subprocess.run([BIN / "gatehouse-stress", "read", data], capture_output=True, text=True, check=True)
    records = sum(1 for p in data.rglob("*") if p.is_file() and "." not in p.name)
    print(f"crash: {ROUNDS} rounds of 3 writers killed with SIGKILL; {records} records intact, "
          f"{strays} stray temporary files reported; user epoch {read.stdout.split()[0]}")
    r = subprocess.run([BIN / "gatehousectl", "fsck", "--repair", "--data-dir", data], capture_output=True, text=True,
                       env={"GATEHOUSE_CONFIG": str(tmp_path / "gatehouse.conf")})
    assert r.returncode == 0
    r = subprocess.run([BIN / "gatehousectl", "fsck", "--data-dir", data], capture_output=True, text=True,
                       env={"GATEHOUSE_CONFIG": str(tmp_path / "gatehouse.conf")})
    assert "stray-temp" not in r.stdout and r.returncode == 0
