"""The base of every request body (here, not in engine.webapi, so that a site reads the
wire types without the web framework)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictBody(BaseModel):
    """A request body that names every field it takes (any other is refused)."""

    # patterns read the way the OpenAPI fuzzers (and Python clients) read them: `$` also
    # before a final newline, as in Python, not only at the very end as in Rust's regex
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


__all__ = ["StrictBody"]
