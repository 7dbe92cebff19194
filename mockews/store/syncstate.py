"""Sync states: opaque to clients, validated by the server.

A state names what it syncs (a folder's items, or a folder hierarchy), the world it was
issued by, the folder's generation and a journal watermark, and carries a MAC keyed by
the world's secret.  Anything else — corrupt base64, a forged MAC, a state of another
folder, another world or an older generation — is ``ErrorInvalidSyncStateData``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Literal

from ..errors import ErrorInvalidSyncStateData
from .sync import Cursor

# version, scope, world epoch, folder hash, generation, cursor (W, T, P; see sync.py)
_LAYOUT = struct.Struct(">BcQQIQQQ")
_VERSION = 2
_MAC_LEN = 12

Scope = Literal["I", "H"]  # items of a folder, hierarchy below a folder


@dataclass(frozen=True, slots=True)
class SyncState:
    scope: Scope
    folder_id: str
    generation: int
    cursor: Cursor


def _folder_hash(folder_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(folder_id.encode(), digest_size=8).digest(), "big")


class SyncStateCodec:
    def __init__(self, secret: bytes, epoch: int) -> None:
        self._secret = secret
        self._epoch = epoch

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_LEN]

    def encode(self, state: SyncState) -> str:
        payload = _LAYOUT.pack(
            _VERSION,
            state.scope.encode(),
            self._epoch,
            _folder_hash(state.folder_id),
            state.generation,
            state.cursor.w,
            state.cursor.t,
            state.cursor.p,
        )
        return base64.b64encode(payload + self._mac(payload)).decode("ascii")

    def decode(self, text: str, scope: Scope, folder_id: str, generation: int, max_seq: int) -> Cursor:
        """Check ``text`` is a state this world issued for this folder and scope, and
        return its cursor."""
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ErrorInvalidSyncStateData("Sync state is not valid base64.") from exc
        if len(raw) != _LAYOUT.size + _MAC_LEN:
            raise ErrorInvalidSyncStateData()
        payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise ErrorInvalidSyncStateData()
        version, got_scope, epoch, fhash, gen, w, t, p = _LAYOUT.unpack(payload)
        if version != _VERSION or got_scope != scope.encode() or epoch != self._epoch:
            raise ErrorInvalidSyncStateData()
        if fhash != _folder_hash(folder_id):
            raise ErrorInvalidSyncStateData("Sync state belongs to another folder.")
        if gen != generation:
            raise ErrorInvalidSyncStateData("Sync state has been invalidated; a full synchronization is required.")
        cursor = Cursor(w, t, p)
        if not cursor.valid(max_seq):
            raise ErrorInvalidSyncStateData()
        return cursor
