"""What bench.py and soak.py share: the configuration of the stack they
start under their own directory."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_config(var, *extra):
    """gatehouse.conf for a stack under `var` (shipped templates and
    blocklist, 127.0.0.1 trusted for X-Forwarded-For), plus `extra` lines."""
    lines = [f"data_dir = {var}/data", f"maildir = {var}/mail", f"templates_dir = {ROOT}/deploy/templates",
             f"password_blocklist = {ROOT}/deploy/blocklist/common-passwords.txt", "trusted_proxies = 127.0.0.1", *extra]
    (Path(var) / "gatehouse.conf").write_text("\n".join(lines) + "\n")
