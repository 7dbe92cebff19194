"""A small declarative layer over Flask for the console's and the archive's JSON APIs:
each route declares its method, path, auth, body model and query parameters once; the
same declaration validates requests (errors name the field, as 4xx) and produces the
OpenAPI document, so the document cannot drift from the code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    Throttled,
    Unauthorized,
    Unavailable,
)
from engine.model import MAX_INT
from engine.wire.body import StrictBody as StrictBody  # re-exported: the routes' bodies derive from it

#: the one place a refusal of the domain becomes an HTTP status
STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Throttled: 429,
    Unavailable: 503,
}
_KIND_OF_STATUS = {status: kind for kind, status in STATUS.items()}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a refusal (a kind not listed counts as invalid input)."""
    return next((STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS), 400)


def error_for_status(status: int, field: str, message: str) -> DomainError:
    """The other way, for our HTTP clients: a peer's 4xx answer as the refusal it
    stands for (a status no kind has counts as invalid input)."""
    return _KIND_OF_STATUS.get(status, Invalid)(field, message)


def error_response(status: int, field: str, message: str) -> tuple[Response, int]:
    return jsonify(error={"field": field, "message": message}), status


def domain_error_response(exc: DomainError) -> tuple[Response, int]:
    """A refusal as the JSON error body that names the field; a throttled request is
    told when to come back (``Retry-After``, RFC 9110 §10.2.3)."""
    response, status = error_response(status_of(exc), exc.field, exc.message)
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response, status


def http_error_response(exc: HTTPException) -> Response:
    """Werkzeug's HTTP errors as the JSON error body, keeping their headers (a 405's
    ``Allow`` names the methods the path takes, RFC 9110 §15.5.6)."""
    response, status = error_response(
        exc.code or 500, "path" if exc.code == 404 else "request", exc.description or exc.name
    )
    response.status_code = status
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@dataclass(frozen=True)
class Query:
    name: str
    type: type = str  # str, int, bool or datetime
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""
    minimum: int | None = None
    maximum: int = MAX_INT
    pattern: str | None = None  # for text: what it must match (stated in the schema too)

    def parse(self, raw: str | None) -> Any:
        if raw is None:
            if self.required:
                raise Invalid(self.name, "is required")
            return None
        if self.pattern is not None and not re.search(self.pattern, raw):
            raise Invalid(self.name, f"{raw[:100]!r} is not {self.description or 'valid here'}")
        if self.type is int:
            try:
                value: Any = int(raw)
            except ValueError as exc:
                raise Invalid(self.name, f"{raw!r} is not an integer") from exc
            if (self.minimum is not None and value < self.minimum) or value > self.maximum:
                raise Invalid(self.name, f"must be between {self.minimum} and {self.maximum}")
            return value
        if self.type is bool:
            if raw.lower() not in ("true", "false", "1", "0"):
                raise Invalid(self.name, "must be true or false")
            return raw.lower() in ("true", "1")
        if self.type is datetime:
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError as exc:
                raise Invalid(self.name, f"{raw!r} is not an ISO 8601 date-time") from exc
            if moment.tzinfo is None:
                raise Invalid(self.name, "needs a UTC offset, e.g. 2024-06-01T12:00:00Z")
            return moment
        if self.choices and raw not in self.choices:
            raise Invalid(self.name, f"must be one of {', '.join(self.choices)}")
        return raw

    def schema(self) -> dict[str, Any]:
        if self.type is int:
            out: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                out["minimum"] = self.minimum
            out["maximum"] = self.maximum
            return out
        if self.type is bool:
            return {"type": "boolean"}
        if self.type is datetime:
            return {"type": "string", "format": "date-time"}
        if self.choices:
            return {"type": "string", "enum": list(self.choices)}
        return {"type": "string", **({"pattern": self.pattern} if self.pattern else {})}


@dataclass
class Route:
    method: str
    path: str
    summary: str
    auth: str
    body: type[BaseModel] | None
    query: tuple[Query, ...]
    status: int
    tags: tuple[str, ...]
    responses: dict[int, str] = field(default_factory=dict)
    path_rules: tuple[Query, ...] = ()  # rules of text path parameters (others are plain)
    #: the type of a successful answer's body (a pydantic model, a TypedDict, a list of
    #: them…): the operation's response schema; None leaves it undocumented
    answer: Any = None


#: a JSON \u0000 escape (an odd run of backslashes before "u0000"): NUL is the one
#: character PostgreSQL cannot store, so no API accepts it anywhere
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_CONVERTER = re.compile(r"<(?:(int|string|path):)?(\w+)>")

Authenticator = Callable[[str], Any]
"""Given a route's auth level, return the principal or raise Unauthorized or Forbidden."""

View = TypeVar("View", bound=Callable[..., Any])
Context = TypeVar("Context")


def bearer_token() -> str | None:
    """The secret of the request's ``Authorization: Bearer …`` header (None without one)."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


@with_config(ConfigDict(extra="forbid"))
class OpenApiDocument(TypedDict):
    """An OpenAPI 3.1 document: the answer of the document's own route (its parts are
    the OpenAPI specification's to describe)."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, dict[str, Any]]
    components: dict[str, Any]


class Resource(Generic[Context]):
    """The declared routes of one resource (sites, tasks, submissions…), written in
    its own module and bound to what they work with — a store, the workflows — when
    registered on an :class:`Api`.  A view is called with that context, the
    authenticated principal, the path and query parameters and the validated body;
    its docstring is the operation's summary.  ``tag`` groups the resource's
    operations in the OpenAPI document."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.declared: list[tuple[Route, Callable[..., Any]]] = []

    def route(
        self,
        method: str,
        path: str,
        auth: str,
        body: type[BaseModel] | None = None,
        query: Sequence[Query] = (),
        status: int = 200,
        responses: dict[int, str] | None = None,
        path_rules: Sequence[Query] = (),
        answer: Any = None,
    ) -> Callable[[View], View]:
        def declare(view: View) -> View:
            if not view.__doc__:
                raise TypeError(f"{view.__name__}: a route's docstring is its summary (python -OO drops docstrings)")
            summary = " ".join(view.__doc__.split())
            route = Route(
                method,
                path,
                summary,
                auth,
                body,
                tuple(query),
                status,
                (self.tag,),
                responses or {},
                tuple(path_rules),
                answer,
            )
            self.declared.append((route, view))
            return view

        return declare

    def register(self, api: Api, context: Context) -> None:
        for route, view in self.declared:
            api.add(route, _bound(view, context))


def _bound(view: Callable[..., Any], context: Any) -> Callable[..., Any]:
    def bound(principal: Any, **kwargs: Any) -> Any:
        return view(context, principal, **kwargs)

    bound.__name__ = view.__name__  # the endpoint's name
    return bound


class Api:
    """One JSON API on a blueprint: its routes (added from :class:`Resource` modules),
    its authentication, its error bodies and its OpenAPI document."""

    def __init__(
        self,
        blueprint: Blueprint,
        title: str,
        version: str,
        authenticate: Authenticator,
        security: dict[str, dict[str, Any]],
        auth_schemes: dict[str, list[str]],
    ) -> None:
        self.blueprint = blueprint
        self.title = title
        self.version = version
        self.authenticate = authenticate
        self.security = security  # OpenAPI securitySchemes
        self.auth_schemes = auth_schemes  # auth level → scheme names that satisfy it
        self.routes: list[Route] = []
        blueprint.register_error_handler(DomainError, domain_error_response)

    def document_at(self, path: str) -> None:
        """Serve this API's OpenAPI document at ``path``, to anyone."""

        def openapi(_: Any) -> dict[str, Any]:
            return self.openapi()

        route = Route("GET", path, "This document", "public", None, (), 200, ("meta",), answer=OpenApiDocument)
        self.add(route, openapi)

    def add(self, route: Route, view: Callable[..., Any]) -> None:
        """Serve ``view`` (called with the principal and the parsed arguments) at the route."""
        self.routes.append(route)

        def endpoint(**path_args: Any) -> Any:
            principal = self.authenticate(route.auth)
            result = view(principal, **_arguments(route, path_args))
            if isinstance(result, Response):
                return result
            return jsonify(result), route.status

        endpoint.__name__ = view.__name__
        self.blueprint.add_url_rule(route.path, endpoint=view.__name__, view_func=endpoint, methods=[route.method])

    # -- the OpenAPI document -------------------------------------------------------------------

    def openapi(self, prefix: str = "") -> dict[str, Any]:
        refs, defs = _schemas(self.routes)
        paths: dict[str, dict[str, Any]] = {}
        for r in self.routes:
            openapi_path = prefix + _CONVERTER.sub(lambda match: "{" + match.group(2) + "}", r.path)
            operation = _operation(r, openapi_path, self.auth_schemes.get(r.auth, []))
            if r.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": refs[("body", r.body)]}},
                }
            if r.answer is not None:
                operation["responses"][str(r.status)]["content"]["application/json"]["schema"] = refs[
                    ("answer", r.answer)
                ]
            paths.setdefault(openapi_path, {})[r.method.lower()] = operation
        schemas = dict(defs.get("$defs", {}))
        _require_discriminators(schemas)
        _standard_bounds(schemas)
        schemas["Error"] = {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        }
        return {
            "openapi": "3.1.0",
            "info": {
                "title": self.title,
                "version": self.version,
                "description": "No text anywhere may hold a NUL character (PostgreSQL cannot store it).",
            },
            "paths": paths,
            "components": {"schemas": schemas, "securitySchemes": self.security},
        }


def _schemas(routes: Sequence[Route]) -> tuple[dict[tuple[str, Any], Any], dict[str, Any]]:
    """The schemas of the routes' request bodies (as validated) and answers (as
    serialised), each model named once among the document's components."""
    inputs: dict[tuple[str, Any], tuple[tuple[str, Any], Literal["validation", "serialization"], TypeAdapter[Any]]] = {}
    for r in sorted(routes, key=lambda r: (r.path, r.method)):
        if r.body is not None:
            inputs.setdefault(("body", r.body), (("body", r.body), "validation", TypeAdapter(r.body)))
        if r.answer is not None:
            inputs.setdefault(("answer", r.answer), (("answer", r.answer), "serialization", TypeAdapter(r.answer)))
    if not inputs:
        return {}, {}
    refs, defs = TypeAdapter.json_schemas(list(inputs.values()), ref_template="#/components/schemas/{model}")
    return {key: schema for (key, _), schema in refs.items()}, defs


def _arguments(route: Route, path_args: dict[str, Any]) -> dict[str, Any]:
    """A request's path and query parameters and its body, each checked against the
    route's declaration (a refusal names the parameter or the body's field)."""
    for name, value in path_args.items():
        if isinstance(value, int) and not 1 <= value <= MAX_INT:  # no such id can exist
            raise NotFound(name, "not found")
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(name, "may not contain NUL characters")
    for rule in route.path_rules:
        path_args[rule.name] = rule.parse(path_args[rule.name])
    for name, raw in request.args.items(multi=True):
        if "\x00" in raw or "\x00" in name:
            raise Invalid(name.replace("\x00", ""), "may not contain NUL characters")
    kwargs: dict[str, Any] = dict(path_args)
    for q in route.query:
        kwargs[q.name] = q.parse(request.args.get(q.name))
    if route.body is not None:
        kwargs["body"] = _body(route.body)
    return kwargs


def _body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise Invalid("body", "a JSON object is required (Content-Type: application/json)")
    data = request.get_data(cache=False)
    if _NUL_ESCAPE.search(data):
        raise Invalid("body", "text may not contain NUL characters (\\u0000)")
    try:
        # parsed and validated in one pass by pydantic-core: a batch of
        # 100,000 placements never becomes Python dicts first
        return model.model_validate_json(data)
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise Invalid("body", "a JSON object is required (the body is not JSON)") from exc
        raise invalid_input(exc, "body") from exc


def invalid_input(exc: ValidationError, whole: str) -> Invalid:
    """A validation error as the refusal of its first field (``whole``: the body or
    form the field is in, named when the error is about all of it)."""
    first = exc.errors()[0]
    return Invalid(".".join(str(p) for p in first["loc"]) or whole, first["msg"])


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    rules = {q.name: q for q in route.path_rules}
    for kind, name in _CONVERTER.findall(route.path):
        schema: dict[str, Any] = (
            {"type": "integer", "minimum": 1, "maximum": MAX_INT}
            if kind == "int"
            else (rules[name].schema() if name in rules else {"type": "string"})
        )
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for q in route.query:
        parameters.append(
            {
                "name": q.name,
                "in": "query",
                "required": q.required,
                "schema": q.schema(),
                **({"description": q.description} if q.description else {}),
            }
        )
    return parameters


def _operation(route: Route, openapi_path: str, schemes: list[str]) -> dict[str, Any]:
    """One operation of the document: its parameters, its answers and who may call it."""
    parameters = _parameters(route)
    responses: dict[str, Any] = {
        str(route.status): {"description": "OK", "content": {"application/json": {"schema": {}}}},
        "400": _error("Invalid input; the error names the field"),
        **{str(code): _error(text) for code, text in route.responses.items()},
    }
    if any(p["in"] == "path" for p in parameters):
        responses.setdefault("404", _error("Not found"))
    if schemes:
        responses["401"] = _error("Not authenticated")
        responses.setdefault(
            "403",
            _error(
                "Authenticated, but this credential may not do this "
                "(a read-only administrator, another site's task or mailbox, the wrong kind of key)"
            ),
        )
    return {
        "summary": route.summary,
        "operationId": f"{route.method.lower()}_{re.sub(r'[^a-zA-Z0-9]+', '_', openapi_path).strip('_')}",
        "tags": list(route.tags),
        "parameters": parameters,
        "responses": responses,
        "security": [{name: []} for name in schemes],
    }


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a schema document, outermost first."""
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _require_discriminators(schemas: dict[str, Any]) -> None:
    """A tagged union's tag must be sent (the server picks the variant by it), though
    pydantic gives each variant's tag a default: each variant the discriminator maps
    to lists its tag as required."""
    for node in list(_objects(schemas)):
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict):
            tag = discriminator["propertyName"]
            for ref in discriminator.get("mapping", {}).values():
                required = schemas[ref.rsplit("/", 1)[-1]].setdefault("required", [])
                if tag not in required:
                    required.insert(0, tag)


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _standard_bounds(schemas: dict[str, Any]) -> None:
    """pydantic names the bounds of an optional constrained integer with a validator
    (``Int | None``) by its own keywords (``ge``, ``le``); JSON Schema's are
    ``minimum`` and ``maximum``, which clients and fuzzers read."""
    for node in _objects(schemas):
        if node.get("type") in ("integer", "number"):
            for ours, standard in _BOUNDS.items():
                if ours in node:
                    node[standard] = node.pop(ours)
