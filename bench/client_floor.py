"""The bare client cost of a simulation's EWS traffic: what exchangelib alone spends on
the same number and kind of requests (``sim_overhead_vs_client`` in ``synceng bench``).

While a simulation runs, :class:`EwsRecorder` (a WSGI middleware in front of the mocks)
counts every EWS request by kind — operation, HTTP status and answer size to within
:data:`BUCKET` bytes — and keeps the first request and answer of each kind.  Afterwards
:func:`replay` makes each kind's request again through the engine's own EWS calls
(exchangelib's services, its serializer, session pool and response parsing; the lean
readers of engine.site.ews_records — the same calls the site makes) against a requests
adapter that hands back the recorded answer at once: no mock, no WSGI, no SimPy, no
platform, no local state.  The time per call, times the kind's count, summed over the
kinds, is the client's floor for that traffic; the simulation's wall time over it is
what the simulator and the engine add (1.0: nothing).

Each kind is replayed up to ``per_kind`` times (after a warm-up call) and its mean
extrapolated to its count: a week's ~200k requests fall into a few hundred kinds.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from exchangelib.items import Message
from lxml import etree
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from engine.site.ews import Ews, EwsSettings, folder_listing, sync_hierarchy_page, sync_items_page, well_known_ids
from mockews.transport import InProcessResponse, InProcessTransport
from scenarios.sim.runner import Simulation
from scenarios.wiretap import call_through

WSGIApp = Callable[..., Iterable[bytes]]
EWS_PATH = "/EWS/Exchange.asmx"
#: answers of one operation within this many bytes of each other are one kind
BUCKET = 512
_OPERATION = re.compile(rb"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)")
_M = "http://schemas.microsoft.com/exchange/services/2006/messages"
_T = "http://schemas.microsoft.com/exchange/services/2006/types"


@dataclass
class Kind:
    operation: str
    status: int
    count: int
    request: bytes
    answer: bytes
    content_type: str


@dataclass
class EwsRecorder:
    """WSGI middleware before the mocks: every POST to the EWS endpoint is counted by
    kind (see the module's doc); everything else passes through untouched."""

    app: WSGIApp
    kinds: dict[tuple[str, int, int], Kind] = field(default_factory=dict)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != EWS_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        sent, status, headers, answer = call_through(self.app, environ, start_response)
        found = _OPERATION.search(sent)
        operation = found.group(1).decode() if found else "?"
        key = (operation, status, len(answer) // BUCKET)
        kind = self.kinds.get(key)
        if kind is None:
            content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/xml; charset=utf-8")
            self.kinds[key] = Kind(operation, status, 1, sent, answer, content_type)
        else:
            kind.count += 1
        return [answer]

    def by_operation(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in self.kinds.values():
            out[kind.operation] = out.get(kind.operation, 0) + kind.count
        return dict(sorted(out.items()))


class CannedAdapter(BaseAdapter):
    """A requests adapter answering every request with :attr:`answer` (status, content
    type, body) at once, as the in-process transport hands a response to the client."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: tuple[int, str, bytes] = (200, "text/xml; charset=utf-8", b"")
        self.sent: dict[str, int] = {}  # operation → requests the client sent here

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        found = _OPERATION.search(body)
        operation = found.group(1).decode() if found else "?"
        self.sent[operation] = self.sent.get(operation, 0) + 1
        status, content_type, body = self.answer
        response = InProcessResponse()
        response.status_code = status
        response.reason = "OK" if status == 200 else "Error"
        response.headers = CaseInsensitiveDict({"Content-Type": content_type, "Content-Length": str(len(body))})
        response.raw = io.BytesIO(body)
        response.url = request.url or ""
        response.request = request
        response.encoding = None
        return response

    def close(self) -> None:
        pass


CANNED_ENDPOINT = "http://canned.client-floor/EWS/Exchange.asmx"


def canned_ews(version: str, service_account: str = "svc@canned.example") -> tuple[Ews, CannedAdapter]:
    """The engine's EWS access (the site's configuration: impersonation, basic auth, a
    pinned version) over a :class:`CannedAdapter`."""
    ews = Ews(EwsSettings(CANNED_ENDPOINT, service_account, "pw", auth="basic", version=version))
    adapter = CannedAdapter()
    protocol = ews.account("someone@canned.example").protocol
    create = protocol.create_session

    def create_session() -> Any:
        session = create()
        session.mount(CANNED_ENDPOINT, adapter)  # exchangelib mounts its adapter on the endpoint itself
        return session

    protocol.create_session = create_session
    protocol.close()  # sessions made before the mount would bypass it
    return ews, adapter


def _field_names(model: type[Any]) -> dict[str, str]:
    return {f.field_uri: f.name for f in model.FIELDS if getattr(f, "field_uri", None)}


_MESSAGE_FIELDS = _field_names(Message)


def _call_for(kind: Kind, ews: Ews) -> Callable[[], object] | None:
    """The engine's call that sends this kind's request (None: not one the engine makes)."""
    root = etree.fromstring(kind.request)
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    if body is None or len(body) == 0:
        return None
    payload = body[0]
    mailbox = root.findtext(f".//{{{_T}}}PrimarySmtpAddress") or "someone@canned.example"
    account = ews.account(mailbox)
    state = payload.findtext(f"{{{_M}}}SyncState")
    distinguished = [e.get("Id") for e in payload.iter(f"{{{_T}}}DistinguishedFolderId")]
    if kind.operation == "FindFolder" and distinguished:
        return lambda: folder_listing(account, str(distinguished[0]))
    if kind.operation == "SyncFolderHierarchy" and distinguished:
        return lambda: sync_hierarchy_page(account, str(distinguished[0]), state)
    if kind.operation == "GetFolder" and distinguished:
        return lambda: well_known_ids(account, [str(d) for d in distinguished])
    if kind.operation == "SyncFolderItems":
        folder = payload.find(f"{{{_M}}}SyncFolderId/{{{_T}}}FolderId")
        uris = [e.get("FieldURI") for e in payload.iter(f"{{{_T}}}FieldURI")]
        names = tuple(_MESSAGE_FIELDS[str(u)] for u in uris if u in _MESSAGE_FIELDS)
        if folder is None or len(names) != len(uris):
            return None
        folder_id = str(folder.get("Id"))
        return lambda: sync_items_page(account, folder_id, state, names)
    return None


@dataclass
class Floor:
    seconds: float  # the client's cost of all the recorded requests
    requests: int
    replayed_calls: int
    by_operation: dict[str, dict[str, float]]  # operation → requests, seconds, ms per request
    not_replayed: dict[str, int]  # operation → requests no engine call makes (counted at zero)
    sent: dict[str, int]  # operation → requests the replay sent (warm-ups included)
    failed: dict[str, int]  # operation → calls that raised on a 200 answer (an EWS error in it, or a misfit)


def replay(kinds: Iterable[Kind], version: str, per_kind: int = 40) -> Floor:
    """The bare client cost of ``kinds`` (see the module's doc)."""
    ews, adapter = canned_ews(version)
    total = 0.0
    calls = 0
    requests_seen = 0
    by_operation: dict[str, dict[str, float]] = {}
    skipped: dict[str, int] = {}
    failed: dict[str, int] = {}
    for kind in kinds:
        requests_seen += kind.count
        call = _call_for(kind, ews)
        if call is None:
            skipped[kind.operation] = skipped.get(kind.operation, 0) + kind.count
            continue
        adapter.answer = (kind.status, kind.content_type, kind.answer)
        reps = min(kind.count, per_kind)

        def once(call: Callable[[], object] = call, kind: Kind = kind) -> None:
            try:
                call()
            except Exception:  # a recorded fault: the client raises, as it did in the run
                if kind.status == 200:
                    failed[kind.operation] = failed.get(kind.operation, 0) + 1

        once()  # warm: the protocol's session, exchangelib's cached request elements
        started = time.perf_counter()
        for _ in range(reps):
            once()
        each = (time.perf_counter() - started) / reps
        calls += reps + 1
        total += each * kind.count
        entry = by_operation.setdefault(kind.operation, {"requests": 0, "seconds": 0.0})
        entry["requests"] += kind.count
        entry["seconds"] += each * kind.count
    for entry in by_operation.values():
        entry["ms_per_request"] = round(entry["seconds"] / entry["requests"] * 1000, 3)
        entry["seconds"] = round(entry["seconds"], 3)
    return Floor(total, requests_seen, calls, dict(sorted(by_operation.items())), skipped, dict(adapter.sent), failed)


class RecordedSimulation(Simulation):
    """A scenario run (in-process transport) with an :class:`EwsRecorder` before the
    mocks from the end of the build on, and the build's and the checks' wall time."""

    recorder: EwsRecorder
    requests_before: int = 0
    build_seconds: float = 0.0
    finish_seconds: float = 0.0

    def build(self) -> None:
        started = time.perf_counter()
        super().build()
        host = urlsplit(self.bed.mocks_url).netloc
        app = InProcessTransport.get(host)
        if app is None:
            raise RuntimeError("the EWS recorder needs the in-process transport")
        self.recorder = EwsRecorder(app)
        self.requests_before = self.bed.exchange.requests  # made while building, not recorded
        InProcessTransport.mount_base(self.recorder, host)
        self.build_seconds = time.perf_counter() - started

    def finish(self) -> dict[str, dict[str, Any]]:
        started = time.perf_counter()
        try:
            return super().finish()
        finally:
            self.finish_seconds = time.perf_counter() - started


__all__ = ["BUCKET", "CannedAdapter", "EwsRecorder", "Floor", "Kind", "RecordedSimulation", "canned_ews", "replay"]
