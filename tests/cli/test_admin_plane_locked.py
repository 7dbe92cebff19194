"""The mocks' admin planes as served (issue 13, "a locked admin plane"): `/mockews-api`
and `/mockad-api` answer only with the bearer token the serve command printed or was
given (`/ready` stays open, for probes); `/save` and `/load` touch files only inside
`--files-dir` (off without it), name the field when refused, and never answer 500 —
tried over HTTP as an attacker would."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .processes import launch, stop

TOKEN = "s3cret-admin-token"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    files = tmp_path / "worlds"
    files.mkdir()
    process, _ = launch(
        "serve", "--profile", "tiny", "--port", "0", "--admin-token", TOKEN, "--files-dir", str(files),
        ready=r"Press Ctrl\+C",
    )  # fmt: skip
    try:
        yield base_url(process, _), files
    finally:
        stop(process)


def base_url(process: subprocess.Popen[str], lines: list[str]) -> str:
    found = re.search(r"EWS endpoint : (http://\S+)/EWS/", "".join(lines))
    assert found, lines
    return found.group(1)


def call(method: str, url: str, token: str | None = TOKEN, **kwargs: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("plane", ["mockews-api", "mockad-api"])
def test_an_admin_plane_answers_only_with_its_token(served: tuple[str, Path], plane: str) -> None:
    base, _ = served
    for token in (None, "wrong", TOKEN[:-1]):
        refused = call("GET", f"{base}/{plane}/state", token)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["field"] == "Authorization"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert call("POST", f"{base}/{plane}/reset", token, json={}).status_code == 401
    assert call("GET", f"{base}/{plane}/state").status_code == 200
    assert call("GET", f"{base}/{plane}/ready", None).json() == {"ready": True}  # probes stay open


def test_save_and_load_stay_inside_the_files_directory_and_never_answer_500(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, files = served
    outside = tmp_path / "outside.world.jsonl.gz"
    for path in (str(outside), "../outside.world.jsonl.gz", "/etc/cron.d/evil", "", ".", 7):
        refused = call("POST", f"{base}/mockews-api/save", json={"path": path})
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["error"]["field"] == "path"
    assert not outside.exists()
    for path in ("/etc/shadow", "/etc/passwd", "../../etc/hostname"):
        refused = call("POST", f"{base}/mockews-api/load", json={"path": path})
        assert refused.status_code == 400 and "root:" not in refused.text, refused.text
    (files / "sub").mkdir()
    for path in ("sub", "missing.world.jsonl.gz"):
        refused = call("POST", f"{base}/mockews-api/load", json={"path": path})
        assert refused.status_code == 400 and refused.json()["error"]["field"] == "path", refused.text

    saved = call("POST", f"{base}/mockews-api/save", json={"path": "tenant.world.jsonl.gz"})
    assert saved.status_code == 200 and saved.json()["records"] > 0, saved.text
    assert (files / "tenant.world.jsonl.gz").exists()
    loaded = call("POST", f"{base}/mockews-api/load", json={"path": str(files / "tenant.world.jsonl.gz")})
    assert loaded.status_code == 200 and loaded.json()["mailboxes"] == 4, loaded.text


def test_a_served_mock_prints_a_new_token_and_keeps_files_off_without_a_directory() -> None:
    process, lines = launch("serve", "ews", "--profile", "tiny", "--port", "0", ready=r"Press Ctrl\+C")
    try:
        printed = re.search(r"admin token  : (\S+)", "".join(lines))
        assert printed and len(printed.group(1)) >= 20, lines
        base = base_url(process, lines)
        assert call("GET", f"{base}/mockews-api/state", None).status_code == 401
        assert call("GET", f"{base}/mockews-api/state", printed.group(1)).status_code == 200
        off = call("POST", f"{base}/mockews-api/save", printed.group(1), json={"path": "x.world.jsonl.gz"})
        assert off.status_code == 400 and "--files-dir" in off.json()["error"]["message"], off.text
    finally:
        stop(process)
