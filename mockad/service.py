"""The mock directory as a service: Microsoft Graph v1.0 for users and groups over one
world's Directory — token endpoint, bearer auth, injected throttling, and the
endpoints (collections with $filter/$select/$top/$count and nextLink paging, members
and transitive members, users/groups delta).  No Flask here: every endpoint takes the
parsed request and returns a :class:`GraphReply`; app.py only adapts HTTP.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from mockews.faults import FaultPlan
from mockews.store.world import World

from .graph import (
    CONTACT_PROPERTIES,
    GROUP_DEFAULT,
    GROUP_FILTERS,
    GROUP_PROPERTIES,
    ODATA_TYPES,
    USER_DEFAULT,
    USER_FILTERS,
    USER_PROPERTIES,
    group_json,
    member_json,
    selected,
    user_json,
)
from .query import QueryError, parse_filter, parse_select, parse_top
from .store import Directory, DirectoryGroup, DirectoryObject, DirectoryUser
from .tokens import BearerTokens, SignedTokens, TokenError

GRAPH = "https://graph.microsoft.com/v1.0"
DEFAULT_CLIENT_ID = "synceng-directory-sync"
DEFAULT_CLIENT_SECRET = "mock-secret-1"
DELTA_PAGE = 100


@dataclass
class GraphReply:
    status: int
    body: Any  # a JSON-able dict, or str for text/plain ($count)
    headers: dict[str, str] = field(default_factory=dict)


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def reply(self) -> GraphReply:
        return GraphReply(self.status, {"error": {"code": self.code, "message": self.message}}, self.headers)


def _bad_query(exc: QueryError) -> GraphError:
    return GraphError(400, exc.code, str(exc))


@dataclass(frozen=True)
class GraphRequest:
    """What an endpoint needs of an HTTP request: the query options, the headers it
    reads, and the URL of the collection (for nextLink/deltaLink)."""

    args: Mapping[str, str]
    url: str
    consistency_eventual: bool = False
    max_page_size: int | None = None


class MockDirectory:
    def __init__(
        self,
        world: World | None = None,
        clients: Mapping[str, str] | None = None,
        tenant_id: str | None = None,
        fault_seed: int = 0,
    ) -> None:
        self.world = world or World()
        self.tenant_id = tenant_id or str(uuid.UUID(int=hash_seed(self.world.seed), version=4))
        self.clients = dict(clients) if clients is not None else {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
        self.bearer = BearerTokens(self.world.seed)
        self.faults = FaultPlan(self.world.clock, fault_seed)
        self.requests = 0

    @property
    def directory(self) -> Directory:
        return self.world.directory

    def _signed(self) -> SignedTokens:
        return SignedTokens(self.world.sync_states_salt())

    def _now(self) -> float:
        return self.world.clock.now().timestamp()

    # -- OAuth2 ------------------------------------------------------------------------

    def token(self, tenant: str, form: Mapping[str, str]) -> GraphReply:
        """The v2.0 token endpoint, client-credentials grant only (errors in OAuth's
        own shape, as Azure AD answers them)."""

        def oauth_error(status: int, error: str, description: str) -> GraphReply:
            return GraphReply(status, {"error": error, "error_description": description})

        if tenant.lower() not in (self.tenant_id, self.world.domain.lower(), "common", "organizations"):
            return oauth_error(400, "invalid_request", f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "Only the client_credentials grant is supported.")
        client_id = form.get("client_id", "")
        if self.clients.get(client_id) is None or self.clients[client_id] != form.get("client_secret"):
            return oauth_error(401, "invalid_client", "Invalid client secret provided, or unknown client_id.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return oauth_error(400, "invalid_scope", "The scope must be https://graph.microsoft.com/.default.")
        token, lifetime = self.bearer.issue(client_id, self._now())
        return GraphReply(
            200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}
        )

    def authorize(self, header: str | None) -> str:
        if not header or not header.startswith("Bearer "):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        try:
            return self.bearer.check(header[7:].strip(), self._now())
        except TokenError as exc:
            raise GraphError(401, "InvalidAuthenticationToken", str(exc)) from exc

    def call(self, operation: str, authorization: str | None, run: Callable[[], GraphReply]) -> GraphReply:
        """Authenticate, apply injected faults, run the endpoint; every failure is a
        Graph-shaped error."""
        self.requests += 1
        try:
            self.authorize(authorization)
            decision = self.faults.decide(operation, None)
            if decision.latency_s:
                self.world.clock.sleep(decision.latency_s)
            if decision.http_status == 429:
                raise GraphError(
                    429,
                    "TooManyRequests",
                    "Too many requests; retry after the given delay.",
                    {"Retry-After": str(max(1, decision.retry_after_s))},
                )
            if decision.http_status or decision.error or decision.drop:
                raise GraphError(
                    503, "ServiceNotAvailable", "The service is temporarily unavailable.", {"Retry-After": "1"}
                )
            with self.world.lock:
                return run()
        except GraphError as exc:
            return exc.reply()
        except QueryError as exc:
            return _bad_query(exc).reply()

    # -- collections ---------------------------------------------------------------------

    def _page(
        self,
        request: GraphRequest,
        objects: list[dict[str, Any]],
        filters: Mapping[str, frozenset[str]],
        properties: frozenset[str],
        default: tuple[str, ...],
        resource: str,
        context: str,
        shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> GraphReply:
        """One page of a collection.  ``shape`` renders a page entry (default: the
        selected properties of its full JSON)."""
        args = request.args
        unknown = sorted(
            k for k in args if k.startswith("$") and k not in ("$filter", "$select", "$top", "$count", "$skiptoken")
        )
        if unknown:
            raise QueryError(f"Query option '{unknown[0]}' is not supported.")
        if "$filter" in args:
            predicate = parse_filter(args["$filter"], filters, resource)
            objects = [o for o in objects if predicate(o)]
        select = parse_select(args.get("$select"), properties, resource)
        top = parse_top(args.get("$top"))
        count = args.get("$count", "false").lower()
        if count not in ("true", "false"):
            raise QueryError("$count must be true or false.")
        if count == "true" and not request.consistency_eventual:
            raise QueryError("$count needs the request header 'ConsistencyLevel: eventual'.", code="Request_BadRequest")
        query_key = hashlib.sha256(
            json.dumps([request.url, sorted((k, v) for k, v in args.items() if k != "$skiptoken")]).encode()
        ).hexdigest()[:16]
        offset = 0
        if "$skiptoken" in args:
            try:
                token = self._signed().decode(args["$skiptoken"])
            except TokenError as exc:
                raise QueryError(f"Invalid $skiptoken: {exc}") from exc
            if token.get("q") != query_key or not isinstance(token.get("o"), int):
                raise QueryError("Invalid $skiptoken: it belongs to another query.")
            offset = token["o"]
        page = objects[offset : offset + top]
        body: dict[str, Any] = {"@odata.context": f"{GRAPH}/$metadata#{context}"}
        if count == "true":
            body["@odata.count"] = len(objects)
        body["value"] = [shape(o) if shape else selected(o, select, default) for o in page]
        if offset + top < len(objects):
            skip = self._signed().encode({"o": offset + top, "q": query_key})
            rest = {k: v for k, v in args.items() if k != "$skiptoken"}
            body["@odata.nextLink"] = f"{request.url}?{urlencode({**rest, '$skiptoken': skip})}"
        return GraphReply(200, body)

    def _count(
        self, request: GraphRequest, objects: list[dict[str, Any]], filters: Mapping[str, frozenset[str]], resource: str
    ) -> GraphReply:
        if not request.consistency_eventual:
            raise QueryError("$count needs the request header 'ConsistencyLevel: eventual'.", code="Request_BadRequest")
        if "$filter" in request.args:
            predicate = parse_filter(request.args["$filter"], filters, resource)
            objects = [o for o in objects if predicate(o)]
        return GraphReply(200, str(len(objects)))

    def _users(self) -> list[dict[str, Any]]:
        return [user_json(u) for u in sorted(self.directory.users.values(), key=lambda u: u.id)]

    def _groups(self) -> list[dict[str, Any]]:
        return [group_json(g) for g in sorted(self.directory.groups.values(), key=lambda g: g.id)]

    def list_users(self, request: GraphRequest) -> GraphReply:
        return self._page(request, self._users(), USER_FILTERS, USER_PROPERTIES, USER_DEFAULT, "user", "users")

    def count_users(self, request: GraphRequest) -> GraphReply:
        return self._count(request, self._users(), USER_FILTERS, "user")

    def list_groups(self, request: GraphRequest) -> GraphReply:
        return self._page(request, self._groups(), GROUP_FILTERS, GROUP_PROPERTIES, GROUP_DEFAULT, "group", "groups")

    def count_groups(self, request: GraphRequest) -> GraphReply:
        return self._count(request, self._groups(), GROUP_FILTERS, "group")

    # -- single objects ------------------------------------------------------------------

    def _find_user(self, key: str) -> DirectoryUser:
        user = self.directory.users.get(key)
        if user is None and "@" in key:
            found = self.directory.by_mail(key)
            user = (
                found if isinstance(found, DirectoryUser) and found.user_principal_name.lower() == key.lower() else None
            )
        if user is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
            )
        return user

    def _find_group(self, key: str) -> DirectoryGroup:
        group = self.directory.groups.get(key)
        if group is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
            )
        return group

    def get_user(self, key: str, request: GraphRequest) -> GraphReply:
        select = parse_select(request.args.get("$select"), USER_PROPERTIES, "user")
        body = selected(user_json(self._find_user(key)), select, USER_DEFAULT)
        return GraphReply(200, {"@odata.context": f"{GRAPH}/$metadata#users/$entity", **body})

    def get_group(self, key: str, request: GraphRequest) -> GraphReply:
        select = parse_select(request.args.get("$select"), GROUP_PROPERTIES, "group")
        body = selected(group_json(self._find_group(key)), select, GROUP_DEFAULT)
        return GraphReply(200, {"@odata.context": f"{GRAPH}/$metadata#groups/$entity", **body})

    def members(self, key: str, request: GraphRequest, transitive: bool) -> GraphReply:
        group = self._find_group(key)
        found = self.directory.transitive_members(group) if transitive else self.directory.members(group)
        properties = USER_PROPERTIES | GROUP_PROPERTIES | CONTACT_PROPERTIES
        select = parse_select(request.args.get("$select"), properties, "directoryObject")
        members = [member_json(m, select) for m in found]
        args = {k: v for k, v in request.args.items() if k != "$select"}
        inner = GraphRequest(args, request.url, request.consistency_eventual)
        return self._page(inner, members, {}, properties, (), "directoryObject", "directoryObjects", shape=dict)

    # -- delta -----------------------------------------------------------------------------

    def delta(self, kind: str, request: GraphRequest) -> GraphReply:
        """users/delta and groups/delta.  A round walks every change after ``since`` in
        the order of each object's newest change (a cursor, so an object changed while
        the client pages shows up again rather than being skipped), then hands out a
        deltaLink whose token is the directory's newest change."""
        args = request.args
        unknown = sorted(k for k in args if k.startswith("$") and k not in ("$select", "$skiptoken", "$deltatoken"))
        if unknown:
            raise QueryError(f"Query option '{unknown[0]}' is not supported on delta.")
        properties = USER_PROPERTIES if kind == "users" else GROUP_PROPERTIES
        default = USER_DEFAULT if kind == "users" else (*GROUP_DEFAULT, "members")
        select = parse_select(args.get("$select"), properties, kind[:-1])
        since = cursor = 0
        token_text = args.get("$skiptoken") or args.get("$deltatoken")
        if token_text is not None:
            try:
                state = self._signed().decode(token_text)
            except TokenError as exc:
                raise GraphError(
                    410, "resyncRequired", f"The delta token is no longer valid: {exc} Start a new delta round."
                ) from exc
            if state.get("k") != kind:
                raise GraphError(410, "resyncRequired", "The delta token belongs to another resource.")
            since, cursor = int(state.get("s", 0)), int(state.get("c", 0))
        directory = self.directory
        if since > directory.last_seq or cursor > max(directory.last_seq, since):
            raise GraphError(410, "resyncRequired", "The delta token is newer than the directory: start a new round.")
        changes: list[tuple[int, DirectoryObject | str]] = []
        source = directory.users.values() if kind == "users" else directory.groups.values()
        changes.extend((o.changed_seq, o) for o in source if o.changed_seq > cursor)
        wanted_kind = "user" if kind == "users" else "group"
        changes.extend(
            (r.seq, object_id) for object_id, r in directory.removed.items() if r.kind == wanted_kind and r.seq > cursor
        )
        changes.sort(key=lambda c: c[0])
        size = request.max_page_size or DELTA_PAGE
        page = changes[:size]
        values = [self._delta_entry(entry, select, default, since) for _, entry in page]
        body: dict[str, Any] = {"@odata.context": f"{GRAPH}/$metadata#{kind}", "value": values}
        if len(changes) > size:
            token = self._signed().encode({"k": kind, "s": since, "c": page[-1][0]})
            body["@odata.nextLink"] = f"{request.url}?{urlencode(self._delta_args(args, '$skiptoken', token))}"
        else:
            token = self._signed().encode({"k": kind, "s": directory.last_seq, "c": directory.last_seq})
            body["@odata.deltaLink"] = f"{request.url}?{urlencode(self._delta_args(args, '$deltatoken', token))}"
        return GraphReply(200, body)

    @staticmethod
    def _delta_args(args: Mapping[str, str], name: str, token: str) -> dict[str, str]:
        rest = {k: v for k, v in args.items() if k not in ("$skiptoken", "$deltatoken")}
        return {**rest, name: token}

    def _delta_entry(
        self, entry: DirectoryObject | str, select: list[str] | None, default: tuple[str, ...], since: int
    ) -> dict[str, Any]:
        if isinstance(entry, str):
            return {"id": entry, "@removed": {"reason": "deleted"}}
        if isinstance(entry, DirectoryUser):
            return selected(user_json(entry), select, default)
        assert isinstance(entry, DirectoryGroup)
        body = selected(group_json(entry), [s for s in select if s != "members"] if select else None, GROUP_DEFAULT)
        if select is None or "members" in select:
            body["members@delta"] = self._member_delta(entry, since)
        return body

    def _member_delta(self, group: DirectoryGroup, since: int) -> list[dict[str, Any]]:
        directory = self.directory
        if since == 0:
            return [{"@odata.type": ODATA_TYPES[type(m)], "id": m.id} for m in directory.members(group)]
        latest: dict[str, bool] = {}
        for change in directory.member_log.get(group.id, ()):
            if change.seq > since:
                latest[change.member_id] = change.added
        out = []
        for member_id, added in latest.items():
            obj = directory.get(member_id)
            removal = directory.removed.get(member_id)
            if obj is not None:
                odata_type = ODATA_TYPES[type(obj)]
            else:
                gone = removal.kind if removal else "user"
                odata_type = f"#microsoft.graph.{'orgContact' if gone == 'contact' else gone}"
            entry: dict[str, Any] = {"@odata.type": odata_type, "id": member_id}
            if not added:
                entry["@removed"] = {"reason": "deleted"}
            out.append(entry)
        return out


def hash_seed(seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"tenant:{seed}".encode()).digest()[:16], "big")
