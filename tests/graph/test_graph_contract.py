"""The mock directory through a plain HTTP client following Graph's rules: a token
from the client-credentials endpoint, bearer auth, paging by @odata.nextLink, $filter,
$select, $count, delta rounds, and Graph-shaped errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockad.app import create_app
from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, MockDirectory
from mockews.faults import FaultRule
from mockews.server import ServerThread
from mockews.store import World

from ..conftest import ALICE, BOB, CAROL, DOMAIN
from .client import Graph


@pytest.fixture
def directory_service(world: World) -> MockDirectory:
    for n in range(23):  # enough users to page
        world.directory.add_user(f"Temp User {n:02}", f"temp{n:02}@{DOMAIN}", has_mailbox=n % 2 == 0, department="Ops")
    world.directory.add_user("No Mail", None, user_principal_name=f"nomail@{DOMAIN}", has_mailbox=False)
    return MockDirectory(world)


@pytest.fixture
def server(directory_service: MockDirectory) -> Iterator[ServerThread]:
    with ServerThread(create_app(directory_service)) as srv:
        yield srv


@pytest.fixture
def graph(server: ServerThread, directory_service: MockDirectory) -> Graph:
    return Graph(server.url, directory_service.tenant_id)


def test_every_call_needs_a_valid_token(server: ServerThread) -> None:
    bare = requests.get(f"{server.url}/v1.0/users", timeout=10)
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "InvalidAuthenticationToken"
    forged = requests.get(f"{server.url}/v1.0/users", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert forged.status_code == 401


def test_token_endpoint_errors(server: ServerThread, directory_service: MockDirectory) -> None:
    url = f"{server.url}/{directory_service.tenant_id}/oauth2/v2.0/token"
    base = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "scope": "https://graph.microsoft.com/.default",
    }
    assert requests.post(url, data={**base, "client_secret": "wrong"}, timeout=10).json()["error"] == "invalid_client"
    assert (
        requests.post(
            url, data={**base, "client_secret": DEFAULT_CLIENT_SECRET, "grant_type": "password"}, timeout=10
        ).json()["error"]
        == "unsupported_grant_type"
    )
    other = requests.post(
        f"{server.url}/other-tenant/oauth2/v2.0/token",
        data={**base, "client_secret": DEFAULT_CLIENT_SECRET},
        timeout=10,
    )
    assert other.status_code == 400
    by_domain = requests.post(
        f"{server.url}/{DOMAIN}/oauth2/v2.0/token", data={**base, "client_secret": DEFAULT_CLIENT_SECRET}, timeout=10
    )
    assert by_domain.status_code == 200 and by_domain.json()["token_type"] == "Bearer"


def test_tokens_expire_on_the_injected_clock(graph: Graph, clock: Any) -> None:
    assert graph.get("users").status_code == 200
    clock.advance(3600)
    expired = graph.get("users")
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]


def test_paging_follows_next_links(graph: Graph, world: World) -> None:
    first = graph.get("users", **{"$top": "5"}).json()
    assert len(first["value"]) == 5 and "@odata.nextLink" in first
    everyone = graph.all("users", **{"$top": "5"})
    assert len(everyone) == len(world.directory.users) == 27
    assert len({u["id"] for u in everyone}) == 27


def test_filters(graph: Graph) -> None:
    assert [u["mail"] for u in graph.all("users", **{"$filter": f"mail eq '{ALICE}'"})] == [ALICE]
    assert [u["mail"] for u in graph.all("users", **{"$filter": "startswith(displayName,'bob')"})] == [BOB]
    temps = graph.all("users", **{"$filter": "startswith(mail,'temp1') or displayName eq 'Carol Schmidt'"})
    assert len(temps) == 11
    engineering = graph.all("groups", **{"$filter": "displayName eq 'Engineering'"})
    assert [g["mail"] for g in engineering] == [f"engineering@{DOMAIN}"]
    assert graph.all("groups", **{"$filter": "securityEnabled eq true"}) == []
    world_group = graph.all("groups", **{"$filter": "displayName eq 'All Staff'"})[0]
    assert world_group["onPremisesDistinguishedName"] is None
    m365 = graph.all("groups", **{"$filter": "groupTypes/any(c:c eq 'Unified')"})
    assert m365 == []
    assert len(graph.all("groups", **{"$filter": "mailEnabled eq true and not (displayName eq 'Engineering')"})) == 1


def test_groups_by_distinguished_name(graph: Graph, world: World) -> None:
    """How a site resolves an AD group entered by DN."""
    dn = "CN=Finance,OU=Groups,DC=contoso,DC=example"
    group = world.directory.add_group("Finance", None, "security", distinguished_name=dn)
    found = graph.all("groups", **{"$filter": f"onPremisesDistinguishedName eq '{dn}'"})
    assert [g["id"] for g in found] == [group.id]
    assert found[0]["securityEnabled"] is True and found[0]["mailEnabled"] is False
    quoted = graph.all("groups", **{"$filter": "displayName eq 'O''Brien''s team'"})
    assert quoted == []


def test_bad_filters_are_400_naming_the_problem(graph: Graph) -> None:
    unsupported = graph.get("users", **{"$filter": "jobTitle eq 'x'"})
    assert unsupported.status_code == 400
    assert unsupported.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert "jobTitle" in unsupported.json()["error"]["message"]
    syntax = graph.get("users", **{"$filter": "mail eq"})
    assert syntax.status_code == 400 and "value" in syntax.json()["error"]["message"]
    unbalanced = graph.get("users", **{"$filter": "(mail eq 'a@b'"})
    assert unbalanced.status_code == 400
    bad_select = graph.get("users", **{"$select": "mail,shoeSize"})
    assert bad_select.status_code == 400 and "shoeSize" in bad_select.json()["error"]["message"]
    assert graph.get("users", **{"$top": "0"}).status_code == 400


def test_select_and_single_objects(graph: Graph, world: World) -> None:
    alice = world.directory.user_by_mail(ALICE)
    assert alice is not None
    body = graph.get(f"users/{alice.id}", **{"$select": "displayName,accountEnabled,assignedLicenses"}).json()
    assert body["id"] == alice.id and body["accountEnabled"] is True and body["assignedLicenses"]
    assert "mail" not in body
    by_upn = graph.get(f"users/{ALICE}").json()
    assert by_upn["id"] == alice.id
    missing = graph.get("users/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "Request_ResourceNotFound"


def test_count_needs_consistency_level(graph: Graph, world: World) -> None:
    plain = graph.get("users", **{"$count": "true"})
    assert plain.status_code == 400
    graph.session.headers["ConsistencyLevel"] = "eventual"
    counted = graph.get("users", **{"$count": "true", "$top": "2"}).json()
    assert counted["@odata.count"] == 27 and len(counted["value"]) == 2
    assert graph.get("users/$count").text == "27"
    assert graph.get("groups/$count", **{"$filter": "mailEnabled eq true"}).text == "2"


def test_members_and_transitive_members(graph: Graph, world: World) -> None:
    outer = world.directory.group_by_mail(f"all-staff@{DOMAIN}")
    assert outer is not None
    direct = graph.all(f"groups/{outer.id}/members")
    assert sorted(m["@odata.type"] for m in direct) == ["#microsoft.graph.group", "#microsoft.graph.user"]
    transitive = graph.all(f"groups/{outer.id}/transitiveMembers", **{"$select": "mail"})
    mails = {m.get("mail") for m in transitive if m["@odata.type"] == "#microsoft.graph.user"}
    assert mails == {ALICE, BOB, CAROL}
    paged = graph.all(f"groups/{outer.id}/transitiveMembers", **{"$top": "1"})
    assert len(paged) == len(transitive)


def test_users_delta_round(graph: Graph, world: World, directory_service: MockDirectory) -> None:
    def round_from(url: str, prefer: int = 10) -> tuple[list[dict[str, Any]], str]:
        values: list[dict[str, Any]] = []
        reply = graph.session.get(url, headers={"Prefer": f"odata.maxpagesize={prefer}"}, timeout=10).json()
        values.extend(reply["value"])
        while "@odata.nextLink" in reply:
            reply = graph.session.get(
                reply["@odata.nextLink"], headers={"Prefer": f"odata.maxpagesize={prefer}"}, timeout=10
            ).json()
            values.extend(reply["value"])
        return values, reply["@odata.deltaLink"]

    initial, link = round_from(f"{graph.base}/v1.0/users/delta?$select=displayName,mail,accountEnabled")
    assert len({u["id"] for u in initial}) == 27
    quiet, link = round_from(link)
    assert quiet == []
    admin = directory_service.world.directory
    carol = admin.user_by_mail(CAROL)
    assert carol is not None
    admin.update_user(carol.id, account_enabled=False)
    gone = admin.user_by_mail(f"temp01@{DOMAIN}")
    assert gone is not None
    admin.delete(gone.id)
    new = admin.add_user("New Hire", f"new.hire@{DOMAIN}")
    changes, link = round_from(link)
    by_id = {c["id"]: c for c in changes}
    assert by_id[carol.id]["accountEnabled"] is False
    assert by_id[gone.id]["@removed"] == {"reason": "deleted"}
    assert by_id[new.id]["mail"] == f"new.hire@{DOMAIN}"
    assert world.find_mailbox(f"new.hire@{DOMAIN}") is not None  # a user with a mailbox provisions it


def test_groups_delta_reports_membership_changes(graph: Graph, world: World) -> None:
    reply = graph.get("groups/delta").json()
    engineering = next(g for g in reply["value"] if g["displayName"] == "Engineering")
    assert len(engineering["members@delta"]) == 3  # Alice, Bob and the nested All Staff
    link = reply["@odata.deltaLink"]
    group = world.directory.group_by_mail(f"engineering@{DOMAIN}")
    bob = world.directory.user_by_mail(BOB)
    carol = world.directory.user_by_mail(CAROL)
    assert group and bob and carol
    world.directory.remove_member(group.id, bob.id)
    world.directory.add_member(group.id, carol.id)
    changed = graph.get(link).json()
    (entry,) = changed["value"]
    members = {m["id"]: m for m in entry["members@delta"]}
    assert members[bob.id]["@removed"] == {"reason": "deleted"}
    assert "@removed" not in members[carol.id]


def test_delta_tokens_of_a_reset_world_need_a_resync(graph: Graph, directory_service: MockDirectory) -> None:
    link = graph.get("users/delta").json()["@odata.deltaLink"]
    directory_service.world.reset()
    stale = graph.get(link)
    assert stale.status_code == 410 and stale.json()["error"]["code"] == "resyncRequired"


def test_injected_throttling_is_429_with_retry_after(graph: Graph, directory_service: MockDirectory) -> None:
    directory_service.faults.add(FaultRule(kind="http429", operation="users.list", count=1, retry_after_s=7))
    throttled = graph.get("users")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert graph.get("users").status_code == 200


def test_unknown_paths_are_graph_errors(graph: Graph) -> None:
    reply = graph.get("devices")
    assert reply.status_code == 404 and "error" in reply.json()
