"""A small declarative layer over Flask for the console's and the archive's JSON APIs:
each route declares its method, path, auth, body model and query parameters once; the
same declaration validates requests (errors name the field, as 4xx) and produces the
OpenAPI document, so the document cannot drift from the code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, Unauthorized, Unavailable
from engine.model import MAX_INT

#: the one place a refusal of the domain becomes an HTTP status
STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
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
    """A refusal as the JSON error body that names the field."""
    return error_response(status_of(exc), exc.field, exc.message)


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


#: a JSON \u0000 escape (an odd run of backslashes before "u0000"): NUL is the one
#: character PostgreSQL cannot store, so no API accepts it anywhere
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_CONVERTER = re.compile(r"<(?:(int|string|path):)?(\w+)>")

Authenticator = Callable[[str], Any]
"""Given a route's auth level, return the principal or raise Unauthorized or Forbidden."""


class Api:
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

    def route(
        self,
        method: str,
        path: str,
        summary: str,
        auth: str,
        body: type[BaseModel] | None = None,
        query: Sequence[Query] = (),
        status: int = 200,
        tags: Sequence[str] = (),
        responses: dict[int, str] | None = None,
        path_rules: Sequence[Query] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            route = Route(
                method, path, summary, auth, body, tuple(query), status, tuple(tags), responses or {}, tuple(path_rules)
            )
            self.routes.append(route)

            def endpoint(**path_args: Any) -> Any:
                principal = self.authenticate(auth)
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
                if body is not None:
                    if not request.is_json:
                        raise Invalid("body", "a JSON object is required (Content-Type: application/json)")
                    data = request.get_data(cache=False)
                    if _NUL_ESCAPE.search(data):
                        raise Invalid("body", "text may not contain NUL characters (\\u0000)")
                    try:
                        # parsed and validated in one pass by pydantic-core: a batch of
                        # 100,000 placements never becomes Python dicts first
                        kwargs["body"] = body.model_validate_json(data)
                    except ValidationError as exc:
                        first = exc.errors()[0]
                        if first["type"] == "json_invalid":
                            raise Invalid("body", "a JSON object is required (the body is not JSON)") from exc
                        where = ".".join(str(p) for p in first["loc"]) or "body"
                        raise Invalid(where, first["msg"]) from exc
                result = view(principal, **kwargs)
                if isinstance(result, Response):
                    return result
                return jsonify(result), route.status

            endpoint.__name__ = view.__name__
            self.blueprint.add_url_rule(path, endpoint=view.__name__, view_func=endpoint, methods=[method])
            return view

        return decorator

    # -- the OpenAPI document -------------------------------------------------------------------

    def openapi(self, prefix: str = "") -> dict[str, Any]:
        models = sorted({r.body for r in self.routes if r.body is not None}, key=lambda m: m.__name__)
        refs, defs = models_json_schema(
            [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
        )
        paths: dict[str, dict[str, Any]] = {}
        error = {"$ref": "#/components/schemas/Error"}
        for r in self.routes:
            parameters: list[dict[str, Any]] = []
            rules = {q.name: q for q in r.path_rules}
            for kind, name in _CONVERTER.findall(r.path):
                schema: dict[str, Any] = (
                    {"type": "integer", "minimum": 1, "maximum": MAX_INT}
                    if kind == "int"
                    else (rules[name].schema() if name in rules else {"type": "string"})
                )
                parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
            openapi_path = prefix + _CONVERTER.sub(lambda match: "{" + match.group(2) + "}", r.path)
            for q in r.query:
                parameters.append(
                    {
                        "name": q.name,
                        "in": "query",
                        "required": q.required,
                        "schema": q.schema(),
                        **({"description": q.description} if q.description else {}),
                    }
                )
            operation: dict[str, Any] = {
                "summary": r.summary,
                "operationId": f"{r.method.lower()}_{re.sub(r'[^a-zA-Z0-9]+', '_', openapi_path).strip('_')}",
                "tags": list(r.tags),
                "parameters": parameters,
                "responses": {
                    str(r.status): {"description": "OK", "content": {"application/json": {"schema": {}}}},
                    "400": {
                        "description": "Invalid input; the error names the field",
                        "content": {"application/json": {"schema": error}},
                    },
                    **{
                        str(code): {"description": text, "content": {"application/json": {"schema": error}}}
                        for code, text in r.responses.items()
                    },
                },
            }
            if parameters and any(p["in"] == "path" for p in parameters):
                operation["responses"].setdefault(
                    "404",
                    {"description": "Not found", "content": {"application/json": {"schema": error}}},
                )
            schemes = self.auth_schemes.get(r.auth, [])
            if schemes:
                operation["security"] = [{name: []} for name in schemes]
                operation["responses"]["401"] = {
                    "description": "Not authenticated",
                    "content": {"application/json": {"schema": error}},
                }
                operation["responses"].setdefault(
                    "403",
                    {
                        "description": "Authenticated, but this credential may not do this "
                        "(a read-only administrator, another site's task or mailbox, the wrong kind of key)",
                        "content": {"application/json": {"schema": error}},
                    },
                )
            else:
                operation["security"] = []
            if r.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": refs[(r.body, "validation")]}},
                }
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
