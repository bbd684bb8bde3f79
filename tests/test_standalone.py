"""The repository stands alone: a user clones it with nothing beside it.
No tracked file may point at a path outside the repository — not a sibling
folder through `..`, not an absolute path on the machine it was written on.
A line that spells such a path as hostile input (a traversal probe) says so
with the marker `outside-ok`."""
import re
import subprocess

from conftest import ROOT

# A run of `../` steps and the name after them; resolved below, so that a
# path that stays inside the repository (docs/../README.md) is fine.
CLIMB = re.compile(r"((?:\.\./)+)([A-Za-z0-9_][A-Za-z0-9_.-]*)")
# Python reaching above the checkout root.
ABOVE_ROOT = re.compile(r"\bROOT\.parent\b|\bROOT\s*/\s*['\"]\.\.['\"]")
# Absolute paths of the machines the project is developed on.
MACHINE_PATHS = re.compile(r"(?<![\w.])/wo" r"rk/")  # split, so this line does not name the path


def tracked_text_files():
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, names):
        path = ROOT / name.decode()
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        yield path, data.decode("utf-8", errors="replace")


def escapes(path, steps, name):
    """True when `steps`+`name` leaves the repository both from the file's
    folder and from the root (scripts run from either)."""
    root = ROOT.resolve()
    for base in (path.parent, ROOT):
        target = (base / (steps + name)).resolve()
        if target == root or root in target.parents:
            return False
    return True


def outside_references():
    found = []
    for path, text in tracked_text_files():
        for number, line in enumerate(text.splitlines(), 1):
            if "outside-ok" in line:
                continue
            where = f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
            if any(escapes(path, m.group(1), m.group(2)) for m in CLIMB.finditer(line)):
                found.append(where)
            elif ABOVE_ROOT.search(line) or MACHINE_PATHS.search(line):
                found.append(where)
    return found


def test_no_tracked_file_points_outside_the_repository():
    assert outside_references() == []


def test_the_guard_sees_what_it_guards_against(tmp_path, monkeypatch):
    """The check above is only worth something if it can fail."""
    probe = ROOT / "docs" / "api.md"
    assert escapes(probe, "../../", "shared")
    assert escapes(ROOT / "README.md", "../", "shared")
    assert not escapes(probe, "../", "README.md")
    assert ABOVE_ROOT.search("TRANSCRIPT = ROOT.parent / 'x'")  # outside-ok: a probe
    assert MACHINE_PATHS.search("see /work/main/README.md")  # outside-ok: a probe
