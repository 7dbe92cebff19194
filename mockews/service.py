"""The mock Exchange as a service: one EWS request in, one HTTP reply out.

No Flask here (the app is a thin adapter over ``MockExchange.handle``): authentication,
impersonation, throttling, fault injection, dispatch by the first child of
``soap:Body``, and the rule that every failure is a SOAP fault — never an HTML page or
a traceback.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .clock import Clock
from .errors import (
    ErrorImpersonateUserDenied,
    ErrorInternalServerError,
    ErrorInvalidOperation,
    ErrorNonExistentMailbox,
    ErrorSchemaValidation,
    EWSError,
)
from .faults import FaultPlan
from .operations import OPERATIONS, RequestContext
from .soap.render import envelope, fault
from .soap.xml import MAX_REQUEST_BYTES, Element, HostileXML, local_name, m, namespace, parse_envelope, t
from .store.delivery import deliver_due
from .store.mailbox import Mailbox
from .store.world import Account, World
from .throttle import Throttle, ThrottlePolicy

if TYPE_CHECKING:
    from .admin import MockExchangeAdmin

log = logging.getLogger(__name__)

AUTH_MODES = ("none", "basic")
XML_CONTENT_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One EWS request as the server saw it: for simulations and their oracle."""

    at: datetime
    operation: str
    mailbox: str | None
    outcome: str  # NoError, an EWS error code, http503, drop
    back_off_ms: int | None = None


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection mid-response (a dropped connection)


class Unauthorized(Exception):
    pass


class BodyStream(Protocol):
    """Where a request body comes from (``wsgi.input``, a BytesIO): read at most n bytes."""

    def read(self, size: int = ..., /) -> bytes: ...


_READ_CHUNK = 64 * 1024


def read_limited(stream: BodyStream, content_length: int | None, limit: int) -> bytes:
    """The body, read in chunks and never more than ``limit + 1`` bytes of it: a declared
    length over the limit is refused before a byte is read, and a body without one
    (chunked) is cut off as soon as it passes the limit — so an oversized request costs
    the server no more memory than an allowed one."""
    if content_length is not None and content_length > limit:
        raise HostileXML(f"The request is larger than the limit of {limit} bytes.")
    wanted = limit + 1 if content_length is None else content_length
    parts: list[bytes] = []
    got = 0
    while got < wanted:
        part = stream.read(min(_READ_CHUNK, wanted - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    if got > limit:
        raise HostileXML(f"The request is larger than the limit of {limit} bytes.")
    return b"".join(parts)


class MockExchange:
    """A mock Exchange server over one world.  ``auth`` is ``none`` (every caller may
    reach every mailbox) or ``basic`` (accounts of the world with a password)."""

    def __init__(
        self,
        world: World | None = None,
        auth: str = "none",
        throttle: ThrottlePolicy | None = None,
        fault_seed: int = 0,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        realm: str = "mockews",
    ) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}")
        self.world = world or World()
        self.auth = auth
        self.realm = realm
        self.max_request_bytes = max_request_bytes
        self.throttle = Throttle(self.world.clock, throttle)
        self.faults = FaultPlan(self.world.clock, fault_seed)
        self.requests = 0
        self.calls: list[str] = []  # operation names in arrival order (bounded)
        self.listeners: list[Callable[[RequestRecord], None]] = []

    @property
    def clock(self) -> Clock:
        return self.world.clock

    @property
    def admin(self) -> MockExchangeAdmin:
        from .admin import MockExchangeAdmin

        return MockExchangeAdmin(self)

    def replace_world(self, world: World) -> None:
        """Swap in another world (admin load); requests in flight finish on the old one."""
        with self.world.lock:
            self.world = world

    # -- the EWS endpoint ------------------------------------------------------------

    def handle(self, body: bytes, authorization: str | None = None) -> Reply:
        """One POST to the EWS endpoint: the body and the Authorization header."""
        return self.handle_stream(io.BytesIO(body), len(body), authorization)

    def handle_stream(self, stream: BodyStream, content_length: int | None, authorization: str | None) -> Reply:
        """One POST whose body is still unread: the credentials (a header) are checked
        first and the body read only for a caller who may send one, and only up to the
        size limit (``content_length`` None: an EOF-terminated body of unknown length)."""
        self.requests += 1
        try:
            principal = self._authenticate(authorization)
        except Unauthorized:
            return Reply(
                401,
                b"401 Unauthorized: valid credentials are required.",
                {
                    "WWW-Authenticate": f'Basic realm="{self.realm}"',
                    "Content-Type": "text/plain; charset=utf-8",
                },
            )
        try:
            body = read_limited(stream, content_length, self.max_request_bytes)
            return self._dispatch(body, principal)
        except EWSError as exc:
            return self._fault(exc)
        except Exception:  # the contract: a fault, never a traceback
            log.exception("internal error while handling an EWS request")
            return self._fault(ErrorInternalServerError())

    def _fault(self, exc: EWSError) -> Reply:
        return Reply(500, fault(exc, self.world.server_version), {"Content-Type": XML_CONTENT_TYPE})

    def _authenticate(self, header: str | None) -> Account | None:
        if self.auth == "none":
            return None
        if not header or not header.lower().startswith("basic "):
            raise Unauthorized()
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise Unauthorized() from exc
        account = self.world.accounts.get(user.lower())
        if account is None:
            found = self.world.directory.user_by_mail(user)
            account = self.world.accounts.get(found.mail.lower()) if found and found.mail else None
        if account is None or account.password is None or account.password != password:
            raise Unauthorized()
        return account

    def _dispatch(self, body: bytes, principal: Account | None) -> Reply:
        env = parse_envelope(body, self.max_request_bytes)
        name = local_name(env.operation)
        if env.operation.tag != m(name):
            # Dispatch is by qualified name: Exchange's schema validation refuses a body
            # element outside the messages namespace (urn:evil:ResolveNames is not ours).
            raise ErrorSchemaValidation(
                f"The element 'Body' has invalid child element '{name}' in namespace '{namespace(env.operation)}'."
            )
        if len(self.calls) < 100_000:
            self.calls.append(name)
        operation = OPERATIONS.get(name)
        if operation is None:
            raise ErrorInvalidOperation(f"The operation {name} is not supported by this server.")
        ctx = RequestContext(self.world, principal)
        if operation.mailbox_bound:
            ctx.impersonated = self._impersonation(env.header, principal)
        throttle_key = principal.email if principal else "anonymous"
        target = ctx.impersonated.email if ctx.impersonated else (principal.email if principal else None)
        try:
            with self.throttle.slot(throttle_key):
                decision = self.faults.decide(name, target)
                if decision.latency_s:
                    self.clock.sleep(decision.latency_s)
                if decision.drop:
                    self._notify(name, target, "drop")
                    return Reply(200, b"", {"Content-Type": XML_CONTENT_TYPE}, drop=True)
                if decision.http_status:
                    reason = b"Too Many Requests" if decision.http_status == 429 else b"Service Unavailable"
                    headers = {"Content-Type": "text/plain; charset=utf-8"}
                    if decision.retry_after_s:
                        headers["Retry-After"] = str(decision.retry_after_s)
                    self._notify(name, target, f"http{decision.http_status}")
                    return Reply(decision.http_status, reason, headers)
                if decision.error:
                    raise decision.error
                with self.world.lock:
                    deliver_due(self.world)  # mail whose delivery time has passed arrives first
                    op = operation(ctx, env.operation)
                    content = op.execute()
                self._notify(name, target, "NoError")
                version = self.world.server_version
                body = b"".join(envelope(version, doc) for doc in (content, *op.follow_ups))
                return Reply(200, body, {"Content-Type": XML_CONTENT_TYPE, **op.reply_headers})
        except EWSError as exc:
            self._notify(name, target, type(exc).__name__, getattr(exc, "back_off_ms", None))
            raise

    def _notify(self, operation: str, mailbox: str | None, outcome: str, back_off_ms: int | None = None) -> None:
        """Tell the listeners (simulations, oracles) what was asked and answered."""
        if self.listeners:
            record = RequestRecord(self.clock.now(), operation, mailbox, outcome, back_off_ms)
            for listener in self.listeners:
                listener(record)

    def _impersonation(self, header: Element | None, principal: Account | None) -> Mailbox | None:
        imp = None if header is None else header.find(t("ExchangeImpersonation"))
        if imp is None:
            return None
        if principal is not None and not principal.can_impersonate:
            raise ErrorImpersonateUserDenied()
        sid = imp.find(t("ConnectingSID"))
        if sid is None:
            raise ErrorImpersonateUserDenied("ExchangeImpersonation needs a ConnectingSID.")
        for tag in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName"):
            value = sid.findtext(t(tag))
            if value and value.strip():
                return self.world.mailbox(value.strip())
        raise ErrorNonExistentMailbox("Impersonation by SID is not supported; use an SMTP address.")
