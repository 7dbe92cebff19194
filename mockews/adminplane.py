"""What every mock's admin plane shares (style §5): the error type and its JSON form,
input validation naming the bad field, and the common routes — readiness, state,
reset, seed and faults.  mockews and mockad add their own routes to the blueprint."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
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


@dataclass(frozen=True)
class AdminAccess:
    """Who may use an admin plane over HTTP, and where it may read and write files.

    ``token``: every request but ``/ready`` must bring ``Authorization: Bearer <token>``
    (None: open, for an app a test drives in-process; the serve commands always set
    one).  ``files``: the one directory ``/save`` and ``/load`` may touch (None: they
    are off over HTTP) — the plane must not write or probe files anywhere the server
    user can."""

    token: str | None = None
    files: Path | None = None

    def file(self, path: Any) -> Path:
        """``path`` (relative to :attr:`files`, or absolute inside it) made safe to use."""
        if not isinstance(path, str) or not path:
            raise AdminError("path", "a file path is required")
        if self.files is None:
            raise AdminError("path", "saving and loading over HTTP is off: start the mock with --files-dir DIR")
        base = self.files.resolve()
        target = (base / path).resolve()
        if not target.is_relative_to(base) or target == base:
            raise AdminError("path", f"must name a file inside {base}")
        return target


def _authorized(access: AdminAccess) -> Response | None:
    """None when the request may go on; else the 401 answer."""
    if access.token is None or request.path.endswith("/ready"):
        return None
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), access.token.encode()):
        return None
    answer = jsonify(error={"field": "Authorization", "message": "the admin plane needs Authorization: Bearer <token>"})
    answer.status_code = 401
    answer.headers["WWW-Authenticate"] = 'Bearer realm="admin plane"'
    return answer


class Admin(Protocol):
    def ready(self) -> bool: ...

    def state(self) -> dict[str, Any]: ...

    def reset(self, seed: int | None = None) -> None: ...

    def add_fault(self, spec: dict[str, Any]) -> FaultRule: ...

    def clear_faults(self) -> None: ...


def base_blueprint(
    name: str, prefix: str, admin: Admin, faults: FaultPlan, access: AdminAccess | None = None
) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=prefix)
    bp.before_request(lambda: _authorized(access or AdminAccess()))

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
