"""A route's declared answer type is its OpenAPI response schema (issue 11 item 3):
request bodies as validated, answers as serialised, each model named once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel
from typing_extensions import TypedDict

from engine.webapi import Api, Resource, StrictBody


class Greeting(StrictBody):
    name: str


class Greeted(TypedDict):
    text: str
    count: int


class Tally(BaseModel):
    counts: list[Greeted]


routes: Resource[None] = Resource("probe")


@routes.route("POST", "/api/greet", auth="public", body=Greeting, answer=Greeted)
def greet(_: None, __: Any, body: Greeting) -> Greeted:
    """Greet"""
    return {"text": f"hello {body.name}", "count": 1}


@routes.route("GET", "/api/tally", auth="public", answer=Tally)
def tally(_: None, __: Any) -> dict[str, Any]:
    """Tally"""
    return {"counts": []}


@routes.route("GET", "/api/plain", auth="public")
def plain(_: None, __: Any) -> dict[str, Any]:
    """Undeclared"""
    return {}


def document() -> dict[str, Any]:
    api = Api(Blueprint("probe", __name__), "probe", "1", lambda auth: None, {}, {})
    routes.register(api, None)
    return api.openapi()


def test_a_declared_answer_is_the_success_responses_schema_and_shares_the_components() -> None:
    doc = document()
    ok = doc["paths"]["/api/greet"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Greeted"}
    greeted = doc["components"]["schemas"]["Greeted"]
    assert greeted["required"] == ["text", "count"] and greeted["properties"]["count"]["type"] == "integer"
    tally = doc["paths"]["/api/tally"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert tally == {"$ref": "#/components/schemas/Tally"}
    # Greeted appears once, whether it is an answer itself or inside another one
    assert doc["components"]["schemas"]["Tally"]["properties"]["counts"]["items"] == {
        "$ref": "#/components/schemas/Greeted"
    }
    body = doc["paths"]["/api/greet"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Greeting"}


def test_an_undeclared_answer_stays_an_empty_schema() -> None:
    plain = document()["paths"]["/api/plain"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert plain == {}
