"""make bench: the breached-password filter at full size. A corpus of 10^7
random SHA-1s in the published text form (SHA1-HEX:COUNT lines) is
written, imported with gatehousectl breach import (its time and bytes per
password), then 10^6 random lookups through the responders' reader give
the time a lookup takes and the false-positive rate measured. Prints the
figures; BREACH_LINES sets the corpus's size."""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(os.environ["GATEHOUSE_BIN"])
LINES = int(os.environ.get("BREACH_LINES", 10_000_000))


def main():
    with tempfile.TemporaryDirectory(prefix="gatehouse-breach-") as d:
        d = Path(d)
        corpus = d / "corpus.txt"
        started = time.perf_counter()
        with open(corpus, "w") as out:
            chunk = 100_000
            for done in range(0, LINES, chunk):
                n = min(chunk, LINES - done)
                raw = os.urandom(20 * n).hex().upper()
                out.write("".join(f"{raw[i * 40:(i + 1) * 40]}:{i % 997 + 1}\n" for i in range(n)))
        print(f"breach corpus: {LINES} lines, {corpus.stat().st_size} bytes, written in {time.perf_counter() - started:.1f} s")
        config = d / "gatehouse.conf"
        config.write_text(f"data_dir = {d / 'data'}\n")
        env = {**os.environ, "GATEHOUSE_CONFIG": str(config)}
        subprocess.run([BIN / "gatehousectl", "init"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        out = subprocess.run([BIN / "gatehousectl", "breach", "import", str(corpus)], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        print(f"breach import: {time.perf_counter() - started:.1f} s wall; {out}")
        subprocess.run([BIN / "gatehouse-stress", "breach", str(d / "data" / "breached-passwords.filter"), "1000000"], check=True)


if __name__ == "__main__":
    sys.exit(main())
