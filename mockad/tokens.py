"""OAuth2 client credentials and opaque continuation tokens.

Bearer tokens come from a seeded RNG and expire on the injected clock; paging
(``$skiptoken``) and delta (``$deltatoken``) tokens are signed JSON, keyed by the
world's epoch, so a token of another world, or of this world before a reset or a load,
is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from dataclasses import dataclass
from typing import Any

TOKEN_LIFETIME_S = 3599


class TokenError(ValueError):
    pass


@dataclass
class Client:
    client_id: str
    secret: str


class BearerTokens:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"mockad-tokens:{seed}")
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expiry epoch)

    def issue(self, client_id: str, now: float) -> tuple[str, int]:
        token = "eyJ0eXAiOiJKV1Qi." + "".join(
            self._rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(48)
        )
        self._tokens[token] = (client_id, now + TOKEN_LIFETIME_S)
        return token, TOKEN_LIFETIME_S

    def check(self, token: str, now: float) -> str:
        found = self._tokens.get(token)
        if found is None:
            raise TokenError("Access token validation failure. Invalid audience or unknown token.")
        client_id, expiry = found
        if now >= expiry:
            raise TokenError("Lifetime validation failed, the token is expired.")
        return client_id

    def revoke_all(self) -> None:
        self._tokens.clear()


class SignedTokens:
    """Opaque continuation tokens: urlsafe base64 of JSON plus a MAC."""

    def __init__(self, salt: str) -> None:
        self._key = hashlib.sha256(f"mockad:{salt}".encode()).digest()

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:24]

    def encode(self, data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return f"{payload}.{self._mac(payload)}"

    def decode(self, token: str) -> dict[str, Any]:
        payload, _, mac = token.partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            raise TokenError("The token is not valid for this directory (corrupt, foreign, or issued before a reset).")
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError as exc:
            raise TokenError("The token is corrupt.") from exc
        if not isinstance(data, dict):
            raise TokenError("The token is corrupt.")
        return data
