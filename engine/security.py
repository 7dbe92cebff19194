"""Secrets: password hashing, tokens and binding keys.

Tokens come from an injected ``random.Random`` so simulations are deterministic
(architecture promise 4); a real deployment passes one seeded from the OS
(``secure_rng()``).  Stored forms are hashes: a leaked database holds no usable key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
#: what a login for an account nobody holds is checked against: the same scheme and cost
#: as a real password's hash, so that "no such account" takes as long to answer as "wrong
#: password" and the time of an answer does not tell which accounts exist (issue 12
#: defect 7).  No password matches it: its digest is no scrypt output anyone can find.
NOBODYS_PASSWORD_HASH = f"scrypt${'00' * 16}${'00' * 32}"


def secure_rng() -> random.Random:
    """A Random seeded from the operating system, for real deployments."""
    return random.Random(secrets.randbits(256))


def new_token(rng: random.Random, prefix: str = "", nbytes: int = 24) -> str:
    raw = rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str, rng: random.Random) -> str:
    salt = rng.getrandbits(128).to_bytes(16, "big")
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)
