"""data_dir_reserve_mib / data_dir_reserve_inodes: what a flood may cost the
disk is bounded by configuration. Here the reserve is larger than the
disk, so the file system is always "down to its reserve": requests that
would create a counter get 503 with Retry-After, nothing new is written,
and the error log says why."""
import pytest
import requests


def test_inside_the_reserve_nothing_new_is_written(make_stack):
    s = make_stack(data_dir_reserve_mib=1_048_576)
    if s.store == "postgresql":
        pytest.skip("with store = postgresql counters live in the database, whose disk its administrator bounds")
    email, password = s.add_user()
    before = sorted(p.relative_to(s.var) for p in (s.var / "data" / "counters").rglob("*"))
    for _ in range(3):
        r = requests.post(f"{s.base}/token", data={"username": email, "password": "wrong"})
        assert r.status_code == 503 and r.headers["Retry-After"] == "5", r.text
        assert r.json() == {"detail": "Service temporarily unavailable; try again shortly"}
        r = requests.post(f"{s.base}/verify-otp", json={"email": "flood@example.com", "code": "000000"})
        assert r.status_code == 503
    assert sorted(p.relative_to(s.var) for p in (s.var / "data" / "counters").rglob("*")) == before
    assert not (s.var / "data" / "audit.log").exists() or "signin_failed" not in (s.var / "data" / "audit.log").read_text()
    assert "down to its reserve" in s.error_log()
