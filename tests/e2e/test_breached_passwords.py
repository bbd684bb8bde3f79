"""Breached passwords, offline (docs/security.md, "Breached passwords"):
gatehousectl breach import turns the corpus's text form into a filter
under data_dir, which every password set is checked against, through the
API, the form and gatehousectl; a new import is picked up without a
restart. The corpus here is generated in its published format: random
SHA-1s around the known ones."""
import hashlib
import random
import re

import requests

BREACHED = ["correct horse battery", "Tr0ub4dor&3 again", "ein schönes Passwort"]


def corpus(path, passwords, filler=100_000, seed=1):
    rng = random.Random(seed)
    lines = [f"{hashlib.sha1(p.encode()).hexdigest().upper()}:{rng.randrange(1, 10**6)}" for p in passwords]
    lines += [f"{rng.getrandbits(160):040X}:{rng.randrange(1, 1000)}" for _ in range(filler)]
    rng.shuffle(lines)
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def cookie_header(r):
    return {"Cookie": "gatehouse_session=" + r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def change(stack, token, old, new):
    return requests.post(f"{stack.base}/change-password", headers=bearer(token),
                         json={"old_password": old, "new_password": new, "confirm_password": new})


def test_a_breached_password_is_refused_wherever_one_is_set(make_stack, tmp_path):
    s = make_stack(signup_enabled="yes")
    out = s.ctl("breach", "import", corpus(tmp_path / "corpus.txt", BREACHED)).stdout
    assert re.match(r"imported 100003 passwords from 100003 lines into \S+: \d+ bytes \(2\.\d\d a password\)", out), out
    email, password = s.add_user()
    token = s.token(email, password)
    for breached in BREACHED:
        r = change(s, token, password, breached)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["msg"] == "Value error, this password is in a breach of another site's passwords; choose another"
        assert r.json()["detail"][0]["input"] == "[redacted]"
    assert change(s, token, password, "not in any corpus 42").status_code == 200
    r = requests.post(f"{s.base}/signup", json={"email": "new@example.org", "password": BREACHED[0]})
    assert r.status_code == 422 and "breach" in r.text
    added = s.ctl("user", "add", "other@example.org", input=BREACHED[1] + "\n", check=False)
    assert added.returncode == 2 and "breach" in added.stderr
    # The form says it in the page's language.
    page = requests.post(f"{s.base}/signup", data={"email": "new@example.org", "password": BREACHED[2],
                                                   "confirm_password": BREACHED[2]},
                         headers={"Accept": "text/html", "Accept-Language": "de"})
    assert page.status_code == 422 and "Datenleck" in page.text


def test_a_new_import_is_picked_up_without_a_restart_and_off_turns_it_off(make_stack, tmp_path):
    s = make_stack()
    email, password = s.add_user()
    token = s.token(email, password)
    assert "no filter" in s.ctl("breach", "status", check=False).stdout
    s.ctl("breach", "import", corpus(tmp_path / "first.txt", ["first list only"], filler=1000))
    assert change(s, token, password, "first list only").status_code == 422
    s.ctl("breach", "import", corpus(tmp_path / "second.txt", ["second list only"], filler=1000, seed=2))
    assert s.ctl("breach", "status").stdout.startswith("1001 passwords in ")
    assert change(s, token, password, "second list only").status_code == 422, "the running responders use the new filter"
    assert change(s, token, password, "first list only").status_code == 200
    off = make_stack(breached_passwords="off", breach_filter=str(s.var / "data" / "breached-passwords.filter"))
    other, pw = off.add_user()
    assert change(off, off.token(other, pw), pw, "second list only").status_code == 200


def test_a_bad_corpus_changes_nothing(make_stack, tmp_path):
    s = make_stack()
    s.ctl("breach", "import", corpus(tmp_path / "good.txt", ["kept after a bad import"], filler=100))
    bad = tmp_path / "bad.txt"
    bad.write_text("A" * 40 + ":1\nnot a line\n")
    r = s.ctl("breach", "import", bad, check=False)
    assert r.returncode == 1 and "line 2 is not SHA1-HEX:COUNT" in r.stderr
    assert s.ctl("breach", "status").stdout.startswith("101 passwords in ")


def test_warn_takes_the_password_and_says_why_it_should_be_changed(make_stack, tmp_path):
    s = make_stack(breached_passwords="warn", signup_enabled="yes")
    s.ctl("breach", "import", corpus(tmp_path / "corpus.txt", BREACHED, filler=1000))
    email, password = s.add_user()
    token = s.token(email, password)
    r = change(s, token, password, BREACHED[0])
    assert r.status_code == 200
    assert r.json() == {"msg": "Password changed successfully",
                        "warning": "this password is in a breach of another site's passwords; choose another"}
    assert change(s, token, BREACHED[0], "not in any corpus 42").json() == {"msg": "Password changed successfully"}
    r = requests.post(f"{s.base}/signup", json={"email": "new@example.org", "password": BREACHED[1]})
    assert r.status_code == 200 and "breach" in r.json()["warning"]
    added = s.ctl("user", "add", "other@example.org", input=BREACHED[1] + "\n")
    assert "warning: this password is in a breach" in added.stderr
    # The form goes on to the account's page, which says it in German.
    origin = {"Origin": f"http://127.0.0.1:{s.port}"}
    r = requests.post(f"{s.base}/token", data={"username": "other@example.org", "password": BREACHED[1]},
                      headers={"Accept": "text/html", **origin}, allow_redirects=False)
    assert r.status_code == 303, r.text
    cookie = cookie_header(r)
    page = requests.get(f"{s.base}/change-password", headers={"Accept": "text/html", **cookie})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    r = requests.post(f"{s.base}/change-password", data={"csrf_token": csrf, "old_password": BREACHED[1],
                                                         "new_password": BREACHED[2], "confirm_password": BREACHED[2]},
                      headers={"Accept": "text/html", **origin, **cookie}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("?notice=password-changed-breached"), r.text
    page = requests.get(f"http://127.0.0.1:{s.port}{r.headers['Location']}",
                        headers={"Accept": "text/html", "Accept-Language": "de", **cookie})
    assert "aus einem Datenleck einer anderen Website bekannt" in page.text


def test_a_sign_in_with_a_breached_password_asks_for_a_new_one_when_set(make_stack, tmp_path):
    s = make_stack(breached_password_signin="yes")
    email, _ = s.add_user(password=BREACHED[0])  # before the corpus: taken
    s.ctl("breach", "import", corpus(tmp_path / "corpus.txt", BREACHED, filler=1000))
    r = s.sign_in(email, BREACHED[0])
    assert r.status_code == 200 and r.json()["password_breached"] is True
    other, password = s.add_user()
    assert "password_breached" not in s.sign_in(other, password).json()
    r = requests.post(f"{s.base}/token", data={"username": email, "password": BREACHED[0]},
                      headers={"Accept": "text/html", "Origin": f"http://127.0.0.1:{s.port}"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/change-password?notice=password-breached")
    page = requests.get(f"http://127.0.0.1:{s.port}{r.headers['Location']}", headers={"Accept": "text/html", **cookie_header(r)})
    assert "The password you signed in with is known from a breach of another site" in page.text
    assert '"event":"password_breached_at_signin"' in (s.var / "data" / "audit.log").read_text()
    # Off (the default): nothing is said.
    quiet = make_stack(breach_filter=str(s.var / "data" / "breached-passwords.filter"))
    who, _ = quiet.add_user(password="not in any corpus 43")
    assert "password_breached" not in quiet.sign_in(who, "not in any corpus 43").json()
