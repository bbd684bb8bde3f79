"""The FastAPI error shapes of docs/api.md: 401, 405, 413, 415, 422, with
Status reason phrases and Content-Length through nginx."""
import requests


def test_401_shape(stack):
    r = requests.post(f"{stack.base}/logout")
    assert r.status_code == 401
    assert r.reason == "Unauthorized"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json() == {"detail": "Not authenticated"}


def test_405_shape_with_allow(stack):
    r = requests.delete(f"{stack.base}/token")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    assert r.json() == {"detail": "Method Not Allowed"}
    r = requests.post(f"{stack.base}/me")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"


def test_413_shape(stack):
    r = requests.post(f"{stack.base}/token", data={"username": "a@example.com", "password": "x" * 20000})
    assert r.status_code == 413
    assert r.json() == {"detail": "Request body is larger than 16384 bytes"}


def test_415_shape(stack):
    r = requests.post(f"{stack.base}/token", data=b"username=a", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert "detail" in r.json()


def test_422_malformed_json_shape(stack):
    r = requests.post(f"{stack.base}/token", data=b'{"username":', headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.reason == "Unprocessable Entity"  # nginx would drop it without our Status line
    assert r.json() == {"detail": [{"type": "json_invalid", "loc": ["body", 12], "msg": "JSON decode error",
                                    "input": {}, "ctx": {"error": "Expecting value"}}]}


def test_422_invalid_utf8_form(stack):
    r = requests.post(f"{stack.base}/token", data=b"username=%ff", headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "value_error"


def test_unknown_route_under_prefix(stack):
    r = requests.post(f"{stack.base}/nope")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


def test_every_response_has_length_and_no_store(stack):
    for r in [requests.get(f"{stack.base}/me"), requests.delete(f"{stack.base}/token"),
              requests.post(f"{stack.base}/token", json={})]:
        assert r.headers["Cache-Control"] == "no-store"
        assert int(r.headers["Content-Length"]) == len(r.content)
