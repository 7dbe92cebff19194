"""Admin plane (placeholder while the EWS path is brought up)."""

from __future__ import annotations

from flask import Blueprint

from .service import MockExchange


def admin_blueprint(service: MockExchange) -> Blueprint:
    bp = Blueprint("mockews_admin", __name__, url_prefix="/mockews-api")

    @bp.get("/ready")
    def ready() -> dict[str, object]:
        return {"ready": True}

    return bp
