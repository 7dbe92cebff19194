"""A minimal Graph client for the tests: what any standards-following client does
(a token from the client-credentials endpoint, bearer auth, paging by @odata.nextLink)."""

from __future__ import annotations

from typing import Any

import requests

from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


class Graph:
    """A minimal Graph client: what any standards-following client does."""

    def __init__(self, base: str, tenant: str) -> None:
        self.base = base
        self.session = requests.Session()
        reply = self.session.post(
            f"{base}/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "scope": "https://graph.microsoft.com/.default",
            },
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        self.session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"

    def get(self, path: str, **params: str) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}/v1.0/{path}"
        return self.session.get(url, params=params or None, timeout=10)

    def all(self, path: str, **params: str) -> list[dict[str, Any]]:
        """Follow @odata.nextLink to the end."""
        reply = self.get(path, **params)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        values = list(body["value"])
        while "@odata.nextLink" in body:
            body = self.get(body["@odata.nextLink"]).json()
            values.extend(body["value"])
        return values
