"""What every mock's admin plane shares (style §5): the error type and its JSON form,
input validation naming the bad field, and the common routes — readiness, state,
reset, seed and faults.  mockews and mockad add their own routes to the blueprint."""

from __future__ import annotations

from typing import Any, Protocol

from flask import Blueprint, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from .faults import FaultPlan, FaultRule


class AdminError(ValueError):
    """Bad admin input: ``field`` names what is wrong (answered as 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_model(model: type[Any], data: Any) -> Any:
    """Validate ``data`` with a pydantic model; the first error names its field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise AdminError(field, first["msg"]) from exc


def keep_headers(exc: HTTPException, response: Response) -> None:
    """An HTTP error answered in a mock's own format keeps werkzeug's headers (a 405's
    ``Allow`` names the methods the path takes)."""
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        if request.get_data():
            raise AdminError("body", "must be a JSON object")
        return {}
    if not isinstance(data, dict):
        raise AdminError("body", "must be a JSON object")
    return data


class Admin(Protocol):
    def ready(self) -> bool: ...

    def state(self) -> dict[str, Any]: ...

    def reset(self, seed: int | None = None) -> None: ...

    def add_fault(self, spec: dict[str, Any]) -> FaultRule: ...

    def clear_faults(self) -> None: ...


def base_blueprint(name: str, prefix: str, admin: Admin, faults: FaultPlan) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=prefix)

    @bp.errorhandler(AdminError)
    def bad_input(exc: AdminError) -> tuple[Response, int]:
        return jsonify(error={"field": exc.field, "message": exc.message}), 400

    @bp.get("/ready")
    def ready() -> Response:
        return jsonify(ready=admin.ready())

    @bp.get("/state")
    def state() -> Response:
        return jsonify(admin.state())

    @bp.post("/reset")
    def reset() -> Response:
        seed = json_body().get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise AdminError("seed", "must be an integer")
        admin.reset(seed)
        return jsonify(admin.state())

    @bp.post("/seed")
    def seed() -> Response:
        value = json_body().get("seed")
        if not isinstance(value, int) or isinstance(value, bool):
            raise AdminError("seed", "must be an integer")
        admin.reset(value)
        return jsonify(admin.state())

    @bp.get("/faults")
    def list_faults() -> Response:
        return jsonify([rule.as_dict() for rule in faults.rules])

    @bp.post("/faults")
    def add_fault() -> tuple[Response, int]:
        return jsonify(admin.add_fault(json_body()).as_dict()), 201

    @bp.delete("/faults")
    def clear_faults() -> Response:
        admin.clear_faults()
        return jsonify([])

    return bp
