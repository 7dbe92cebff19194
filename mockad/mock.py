"""``with mock_directory():`` / ``@mock_directory``: every ``requests`` call reaches an
in-process mock directory (Microsoft Graph v1.0 and its token endpoint) on one fresh
world — the directory half of :mod:`mockews.mock`, for code that reads Azure AD alone.

    @mock_directory(seed=3)
    def test_users(directory):
        directory.world.provision_mailbox("alice@contoso.example")
        token = requests.post(directory.token_url, data={...}).json()["access_token"]
        requests.get(f"{directory.graph_url}/users", headers={"Authorization": f"Bearer {token}"})
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mockews.mock import Mocked, MockGraph, fresh_world
from mockews.store import World
from mockews.transport import routed

from .app import create_app
from .service import MockDirectory


@contextmanager
def _serving(seed: int, world: Callable[[], World] | None, host: str) -> Iterator[MockGraph]:
    made = fresh_world(seed, world)
    directory = MockDirectory(made)
    with routed(create_app(directory)):
        yield MockGraph(made, directory, host)


class mock_directory(Mocked):  # lower case: named like moto's mock_aws, used the same way
    """See the module; as a decorator, a parameter named ``directory`` receives the
    :class:`MockGraph`."""

    handle_name = "directory"

    def __init__(
        self, seed: int = 0, world: Callable[[], World] | None = None, host: str = "graph.microsoft.com"
    ) -> None:
        self.options = (seed, world, host)

    def serving(self) -> Any:
        return _serving(*self.options)


__all__ = ["MockGraph", "mock_directory"]
