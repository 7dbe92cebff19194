"""moto's way for Exchange: inside ``with mock_ews():`` (or under ``@mock_ews``) every
exchangelib ``Configuration`` — by ``service_endpoint`` or by ``server`` — and every
``requests`` call reaches an in-process mock Exchange and mock directory on one fresh
world: no socket, no server, no line of the caller's code changed.

    from exchangelib import DELEGATE, Account, Configuration, Credentials
    from mockews.mock import mock_ews

    @mock_ews(seed=1)
    def test_inbox_starts_empty(ews):               # the decorator hands the mock over
        ews.world.provision_mailbox("alice@contoso.example", password="pw")
        config = Configuration(server="mail.contoso.example", credentials=Credentials("alice@contoso.example", "pw"))
        account = Account("alice@contoso.example", config=config, access_type=DELEGATE, autodiscover=False)
        assert account.inbox.total_count == 0

Each ``with`` block (each decorated call) starts from a new world made from the seed,
so state never leaks from one to the next; Graph calls (``/v1.0``, the token
endpoint) reach the mock directory on the same world (`mockad.mock.mock_directory`
mocks the directory alone).
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mockad.app import combine
from mockad.app import create_app as directory_app
from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, MockDirectory

from .app import create_app as ews_app
from .service import MockExchange
from .store import World
from .transport import WSGIApp, routed

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class MockGraph:
    """What a ``mock_directory`` block serves: the world and the directory, and where a
    client would look for them (`mockad.mock`)."""

    world: World
    directory: MockDirectory
    host: str
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    scheme: str = "https"

    @property
    def graph_url(self) -> str:
        return f"{self.scheme}://{self.host}/v1.0"

    @property
    def token_url(self) -> str:
        return f"{self.scheme}://{self.host}/{self.world.domain}/oauth2/v2.0/token"


@dataclass
class MockEws(MockGraph):
    """What a ``mock_ews`` block serves: the world (provision mailboxes, add mail, read
    the store), the two services, where a client would look for them, and exchangelib
    accounts on them."""

    exchange: MockExchange = field(kw_only=True)

    @property
    def ews_url(self) -> str:
        return f"{self.scheme}://{self.host}/EWS/Exchange.asmx"

    def account(self, email: str, password: str = "", as_user: str | None = None) -> Any:
        """An exchangelib ``Account`` for ``email`` (made if the world has no such
        mailbox), logged in as itself, or as ``as_user`` with impersonation (an account
        given the right if it has none)."""
        from exchangelib import DELEGATE, IMPERSONATION, Account, Configuration, Credentials

        if email.lower() not in self.world.mailboxes:
            self.world.provision_mailbox(email, password=password or None)
        login = as_user or email
        if as_user is not None and as_user.lower() not in self.world.accounts:
            self.world.add_account(as_user, password or None, can_impersonate=True)
        config = Configuration(service_endpoint=self.ews_url, credentials=Credentials(login, password or "pw"))
        access = IMPERSONATION if as_user is not None else DELEGATE
        return Account(email, config=config, access_type=access, autodiscover=False)


@contextmanager
def _serving(seed: int, world: Callable[[], World] | None, auth: str, host: str, directory: bool) -> Iterator[MockEws]:
    from exchangelib.protocol import close_connections  # the mock itself needs no client

    made = fresh_world(seed, world)
    exchange = MockExchange(made, auth=auth)
    graph = MockDirectory(made)
    app: WSGIApp = combine(ews_app(exchange), directory_app(graph)) if directory else ews_app(exchange)
    with ExitStack() as stack:
        close_connections()  # no session cached from before the block answers inside it
        stack.callback(close_connections)  # nor one from inside, after it
        stack.enter_context(routed(app))
        yield MockEws(made, graph, host, exchange=exchange)


class Mocked(ABC):
    """A context manager and a decorator over a ``serving`` block: ``with`` yields what
    it serves; as a decorator every call gets a fresh one, and a parameter named
    ``handle_name``, if the function has one, receives it."""

    handle_name = "mocked"

    @abstractmethod
    def serving(self) -> Any:
        """A new context manager serving the mock (what ``with`` yields)."""

    def __enter__(self) -> Any:
        self._block = self.serving()
        return self._block.__enter__()

    def __exit__(self, *exc: object) -> None:
        block, self._block = self._block, None
        block.__exit__(*exc)

    def __call__(self, function: F) -> F:
        wants = self.handle_name in inspect.signature(function).parameters

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.serving() as served:
                if wants:
                    kwargs[self.handle_name] = served
                return function(*args, **kwargs)

        if wants:  # pytest must not look for a fixture of that name
            signature = inspect.signature(function)
            wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
                parameters=[p for p in signature.parameters.values() if p.name != self.handle_name]
            )
        return wrapper  # type: ignore[return-value]


class mock_ews(Mocked):  # lower case: named like moto's mock_aws, used the same way
    """See the module.  ``seed``: the world's seed; ``world``: a callable making the
    world instead (a generated tenant, a loaded file); ``auth``: ``none`` (any
    credentials pass) or ``basic`` (the world's passwords); ``directory``: serve Graph
    too.  As a decorator, a parameter named ``ews`` receives the :class:`MockEws`."""

    handle_name = "ews"

    def __init__(
        self,
        seed: int = 0,
        world: Callable[[], World] | None = None,
        auth: str = "none",
        host: str = "mail.contoso.example",
        directory: bool = True,
    ) -> None:
        self.options = (seed, world, auth, host, directory)

    def serving(self) -> Any:
        return _serving(*self.options)


def fresh_world(seed: int, world: Callable[[], World] | None) -> World:
    """The world of one block: made by ``world``, else empty from ``seed`` with mail
    arriving as it is sent."""
    return world() if world is not None else World(seed=seed, delivery_delay_s=0)
