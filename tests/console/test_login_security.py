"""Logging in to the console (issue 12 defect 7), through the REST API, the pages over
real HTTP (waitress, `requests`) and `synceng serve console`:

* failed logins are throttled per account and per client address — 429 with
  Retry-After on the REST login, a message in words on the login page — even for the
  right password, for a back-off that grows; a success starts the account afresh;
* an unknown account costs the same password check as a wrong password (the time of
  an answer once told which accounts exist);
* /login and /logout take a form only with its CSRF token;
* the cookies are HttpOnly, SameSite=Lax, and Secure with ``--secure-cookies``.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient

import engine.security
from engine.clock import ManualClock
from engine.console.app import create_console_app
from engine.console.store import ConsoleStore
from engine.console.wiring import Platform
from mockews.server import ServerThread
from synceng.cli import main

from ..cli.processes import start, stop
from .conftest import ADMIN, PASSWORD, Caller

LOGIN = "/api/session"
UNKNOWN = "nobody@contoso.example"


def rest_login(caller: Caller, email: str = ADMIN, password: str = PASSWORD) -> Any:
    return caller.post(LOGIN, {"email": email, "password": password})


def fail(caller: Caller, times: int, email: str = ADMIN) -> list[int]:
    return [rest_login(caller, email, "not the password").status for _ in range(times)]


# -- throttling, through the REST API ------------------------------------------------------


def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(
    anonymous: Caller, admin: Caller, clock: ManualClock
) -> None:
    """The issue's finding: 120 wrong passwords in a row, then the right one worked."""
    assert fail(anonymous, 5) == [401] * 5
    refused = rest_login(anonymous)
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.error == {
        "field": "login",
        "message": "too many failed attempts to log on with this email: try again in 1 min",
    }
    # the 120 of the issue: all refused, and the wait does not grow while refused
    assert set(fail(anonymous, 120)) == {429}
    clock.advance(30)
    assert rest_login(anonymous).headers["Retry-After"] == "30"
    clock.advance(30)
    assert rest_login(anonymous).status == 201


def test_the_back_off_grows_with_each_lockout_until_a_success_resets_it(
    anonymous: Caller, admin: Caller, clock: ManualClock
) -> None:
    fail(anonymous, 5)
    waits = []
    for _ in range(3):
        waited = int(rest_login(anonymous).headers["Retry-After"])
        waits.append(waited)
        clock.advance(waited)
        assert fail(anonymous, 1) == [401]  # once locked, one more failure locks again
    assert waits == [60, 120, 240]
    clock.advance(480)
    assert rest_login(anonymous).status == 201
    # afresh: four failures lock nothing
    assert fail(anonymous, 4) == [401] * 4
    assert rest_login(anonymous).status == 201


def test_failures_count_within_fifteen_minutes(anonymous: Caller, admin: Caller, clock: ManualClock) -> None:
    assert fail(anonymous, 4) == [401] * 4
    clock.advance(16 * 60)  # those four are old now
    assert fail(anonymous, 4) == [401] * 4
    clock.advance(14 * 60)  # these four are not
    assert fail(anonymous, 1) == [401]
    assert rest_login(anonymous).status == 429


def test_an_unknown_account_is_throttled_alike_so_a_refusal_tells_nothing(anonymous: Caller, admin: Caller) -> None:
    known = [rest_login(anonymous, ADMIN, "wrong").body for _ in range(6)]
    unknown = [rest_login(anonymous, UNKNOWN, "wrong").body for _ in range(6)]
    assert known == unknown
    assert known[-1]["error"]["field"] == "login"
    # the email as typed, in any case, is the same account
    assert rest_login(anonymous, ADMIN.upper()).status == 429


def test_one_account_locked_leaves_the_others_alone(platform: Platform, anonymous: Caller, admin: Caller) -> None:
    platform.console_store.create_admin("second@contoso.example", PASSWORD)
    fail(anonymous, 5)
    assert rest_login(anonymous, "second@contoso.example").status == 201
    assert rest_login(anonymous).status == 429


def client_at(platform: Platform, address: str) -> Caller:
    client: FlaskClient = platform.console.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Caller(client)


def test_one_address_trying_many_accounts_is_throttled(platform: Platform, admin: Caller, clock: ManualClock) -> None:
    """A password sprayer tries few passwords at many accounts: 20 failures from one
    address lock the address, whatever the accounts."""
    sprayer = client_at(platform, "203.0.113.9")
    for n in range(20):
        assert fail(sprayer, 1, f"user{n}@contoso.example") == [401]
    refused = rest_login(sprayer)  # the right password of an account never tried
    assert refused.status == 429 and int(refused.headers["Retry-After"]) == 60
    assert "from this address" in refused.error["message"]
    # another address logs in
    assert rest_login(client_at(platform, "198.51.100.7")).status == 201
    clock.advance(60)
    assert rest_login(sprayer).status == 201


def test_a_success_does_not_clear_its_address_of_the_guesses_made_at_other_accounts(
    platform: Platform, admin: Caller
) -> None:
    there = client_at(platform, "203.0.113.10")
    for n in range(19):
        fail(there, 1, f"user{n}@contoso.example")
    assert rest_login(there).status == 201  # a right password is not counted against the address
    assert fail(there, 1, "user19@contoso.example") == [401]
    assert rest_login(there).status == 429


@pytest.fixture
def second_console(platform: Platform, clock: ManualClock) -> Iterator[Caller]:
    """Another console process on the same database (as on PostgreSQL with several
    console processes behind one address)."""
    store = ConsoleStore(platform.console_store.engine.url.render_as_string(hide_password=False), clock)
    try:
        yield Caller(create_console_app(store).test_client())
    finally:
        store.engine.dispose()


def test_every_console_process_counts_the_same_failures(
    anonymous: Caller, admin: Caller, second_console: Caller
) -> None:
    assert fail(anonymous, 3) + fail(second_console, 2) == [401] * 5
    assert rest_login(anonymous).status == rest_login(second_console).status == 429


def test_concurrent_attempts_do_not_slip_past_the_limit(
    anonymous: Caller, admin: Caller, second_console: Caller
) -> None:
    """Each attempt counts before its password is checked: 24 wrong passwords at once,
    from threads of two console processes, get five password checks between them."""
    callers = [Caller(c.client.application.test_client()) for c in (anonymous, second_console) for _ in range(3)]
    with ThreadPoolExecutor(len(callers)) as pool:
        answers = list(pool.map(lambda n: fail(callers[n % len(callers)], 1)[0], range(24)))
    assert sorted(answers) == [401] * 5 + [429] * 19


def test_the_api_document_states_the_throttled_answer(anonymous: Caller) -> None:
    document = anonymous.ok("GET", "/api/openapi.json")
    assert "429" in document["paths"][LOGIN]["post"]["responses"]


# -- an unknown account costs what a known one does ------------------------------------------


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every password hashing (scrypt) the console does, with its cost parameters."""
    calls: list[dict[str, Any]] = []
    real = hashlib.scrypt

    def recording(password: bytes, **kwargs: Any) -> bytes:
        calls.append({k: v for k, v in kwargs.items() if k != "salt"} | {"salt_bytes": len(kwargs["salt"])})
        return real(password, **kwargs)

    monkeypatch.setattr(engine.security.hashlib, "scrypt", recording)
    return calls


def test_an_unknown_account_costs_the_same_password_check_as_a_wrong_password(
    anonymous: Caller, admin: Caller, scrypt_calls: list[dict[str, Any]]
) -> None:
    """Without wall-clock timing: one scrypt of the same cost either way (the wrong
    password answered in ~56 ms, the unknown account in ~5 ms: no scrypt at all)."""
    scrypt_calls.clear()
    assert rest_login(anonymous, ADMIN, "wrong").status == 401
    wrong_password = list(scrypt_calls)
    scrypt_calls.clear()
    assert rest_login(anonymous, UNKNOWN, "wrong").status == 401
    unknown_account = list(scrypt_calls)
    assert len(wrong_password) == len(unknown_account) == 1
    assert unknown_account == wrong_password


# -- the pages over HTTP: CSRF on /login and /logout, the throttled page ---------------------


@pytest.fixture
def base_url(platform: Platform) -> Iterator[str]:
    with ServerThread(platform.wsgi(), threads=4) as server:
        yield server.url


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def page_login(browser: requests.Session, base_url: str, password: str = PASSWORD) -> requests.Response:
    form = browser.get(f"{base_url}/login")
    body = {"csrf": csrf_of(form.text), "email": ADMIN, "password": password}
    return browser.post(f"{base_url}/login", data=body, allow_redirects=False)


def test_the_login_form_is_taken_only_with_its_own_token(base_url: str, admin: Caller) -> None:
    """Login CSRF: another site's page cannot log a browser in to an account of the
    attacker's choosing, however it posts."""
    forged = requests.Session()
    # no token, the right password: no session
    refused = forged.post(f"{base_url}/login", data={"email": ADMIN, "password": PASSWORD}, allow_redirects=False)
    assert refused.status_code == 400
    assert "synceng_session" not in refused.cookies
    assert "the login form had expired" in refused.text
    # a token served to another browser (bound to that browser's cookie) does not do either
    other = requests.Session()
    token = csrf_of(other.get(f"{base_url}/login").text)
    stolen = forged.post(
        f"{base_url}/login", data={"csrf": token, "email": ADMIN, "password": PASSWORD}, allow_redirects=False
    )
    assert stolen.status_code == 400 and "synceng_session" not in stolen.cookies
    # the browser that was served the form logs in
    person = requests.Session()
    done = page_login(person, base_url)
    assert done.status_code == 302 and done.headers["Location"] == "/exchange-services"
    assert person.get(f"{base_url}/exchange-services", allow_redirects=False).status_code == 200


def test_log_out_is_taken_only_with_the_sessions_token(base_url: str, admin: Caller) -> None:
    """Logout CSRF: another site's page cannot log an administrator out."""
    person = requests.Session()
    assert page_login(person, base_url).status_code == 302
    page = person.get(f"{base_url}/tasks")
    forged = person.post(f"{base_url}/logout", allow_redirects=False)
    assert forged.status_code == 400
    assert person.get(f"{base_url}/tasks", allow_redirects=False).status_code == 200  # still logged in
    logged_out = person.post(f"{base_url}/logout", data={"csrf": csrf_of(page.text)}, allow_redirects=False)
    assert logged_out.status_code == 302 and logged_out.headers["Location"] == "/login"
    assert person.get(f"{base_url}/tasks", allow_redirects=False).status_code == 302  # to the login page


def test_the_login_page_says_in_words_when_to_try_again(base_url: str, admin: Caller, clock: ManualClock) -> None:
    person = requests.Session()
    for _ in range(5):
        assert page_login(person, base_url, "not the password").status_code == 200
    refused = page_login(person, base_url)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "too many failed attempts to log on with this email: try again in 1 min" in refused.text
    assert "synceng_session" not in refused.cookies
    # the REST login is the same account: refused too
    assert requests.post(f"{base_url}{LOGIN}", json={"email": ADMIN, "password": PASSWORD}).status_code == 429
    clock.advance(60)
    assert page_login(person, base_url).status_code == 302


# -- the cookies -----------------------------------------------------------------------------


def set_cookies(response: requests.Response) -> dict[str, str]:
    """Each cookie the response sets, by name, with its attributes as sent."""
    headers = response.raw.headers.getlist("Set-Cookie")
    return {header.split("=", 1)[0]: header for header in headers}


def test_cookies_are_out_of_scripts_reach_and_not_sent_with_other_sites_posts(base_url: str, admin: Caller) -> None:
    person = requests.Session()
    login_cookie = set_cookies(person.get(f"{base_url}/login"))["synceng_login"]
    session_cookie = set_cookies(page_login(person, base_url))["synceng_session"]
    rest_cookie = set_cookies(requests.post(f"{base_url}{LOGIN}", json={"email": ADMIN, "password": PASSWORD}))[
        "synceng_session"
    ]
    for cookie in (login_cookie, session_cookie, rest_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        assert "Secure" not in cookie, cookie  # served over plain HTTP unless told otherwise
    assert "Path=/login" in login_cookie


@pytest.mark.parametrize("how", ["option", "environment"])
def test_serve_console_secure_cookies_sends_them_over_https_only(how: str, tmp_path: Path) -> None:
    env = {"SYNCENG_ADMIN_PASSWORD": PASSWORD}
    db = f"sqlite:///{tmp_path}/console.db"
    assert CliRunner().invoke(main, ["console", "create-admin", ADMIN, "--db", db], env=env).exit_code == 0
    command = ["serve", "console", "--port", "0", "--db", db, "--archive-db", f"sqlite:///{tmp_path}/archive.db"]
    if how == "option":
        command.append("--secure-cookies")
    else:
        env["SYNCENG_SECURE_COOKIES"] = "1"
    process, listening = start(*command, ready=r"console serving on (http://\S+)", env=env)
    try:
        base = listening.group(1)
        assert process.stdout is not None
        said = list(itertools.takewhile(lambda line: "Press Ctrl+C" not in line, process.stdout))
        assert any("cookies are Secure: log in through the HTTPS address" in line for line in said), said
        # a client keeps a Secure cookie for HTTPS: sent back here by hand, over HTTP
        form = requests.get(f"{base}/login")
        login_cookie = set_cookies(form)["synceng_login"]
        body = {"csrf": csrf_of(form.text), "email": ADMIN, "password": PASSWORD}
        sent = {"Cookie": login_cookie.split(";", 1)[0]}
        logged_in = requests.post(f"{base}/login", data=body, headers=sent, allow_redirects=False)
        assert logged_in.status_code == 302
        session_cookie = set_cookies(logged_in)["synceng_session"]
        rest = requests.post(f"{base}{LOGIN}", json={"email": ADMIN, "password": PASSWORD})
        assert rest.status_code == 201
        for cookie in (login_cookie, session_cookie, set_cookies(rest)["synceng_session"]):
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    finally:
        stop(process)
