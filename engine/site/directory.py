"""The site's directory client: Microsoft Graph v1.0 with the client-credentials
grant (the mock directory, or Azure AD / an on-premises Graph-shaped gateway).

Used for AD groups by DN (transitive members, T7), mailbox eligibility (T9: enabled,
licensed, has a mailbox) and the directory sync that feeds *Lookup from AD* (ADR).
Tokens are renewed before they expire, on the injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
import requests.adapters

from engine.clock import Clock

from .links import LinkDown, LinkRefused, proxied_session

USER_FIELDS = "id,displayName,mail,accountEnabled,assignedLicenses,provisionedPlans,onPremisesDistinguishedName"
GROUP_FIELDS = "id,displayName,mail,mailEnabled,securityEnabled,groupTypes,onPremisesDistinguishedName"


@dataclass(frozen=True)
class DirectorySettings:
    graph_url: str  # e.g. http://127.0.0.1:8080/v1.0
    token_url: str  # e.g. http://127.0.0.1:8080/contoso.example/oauth2/v2.0/token
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Person:
    """A directory user as the engine needs it (T9)."""

    mail: str
    name: str
    enabled: bool
    licensed: bool
    has_mailbox: bool
    dn: str | None = None

    def ineligible(self) -> str | None:
        """Why the mailbox is skipped (T9), or None."""
        if not self.has_mailbox:
            return "no mailbox"
        if not self.enabled:
            return "account disabled"
        if not self.licensed:
            return "account not licensed"
        return None


def person(user: dict[str, Any]) -> Person:
    plans = user.get("provisionedPlans") or []
    return Person(
        mail=str(user.get("mail") or "").lower(),
        name=str(user.get("displayName") or ""),
        enabled=bool(user.get("accountEnabled", True)),
        licensed=bool(user.get("assignedLicenses")),
        has_mailbox=any(p.get("service") == "exchange" and p.get("capabilityStatus") == "Enabled" for p in plans),
        dn=user.get("onPremisesDistinguishedName"),
    )


class Directory:
    def __init__(
        self, settings: DirectorySettings, clock: Clock, adapter: requests.adapters.BaseAdapter | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.session = proxied_session(settings.graph_url)
        if adapter is not None:
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self._token: str | None = None
        self._expires = 0.0
        self.calls = 0

    def _bearer(self) -> str:
        if self._token is None or self.clock.monotonic() >= self._expires - 60:
            form = {
                "grant_type": "client_credentials",
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret,
                "scope": "https://graph.microsoft.com/.default",
            }
            body = self._send("POST", self.settings.token_url, data=form, auth=False)
            self._token = str(body["access_token"])
            self._expires = self.clock.monotonic() + float(body.get("expires_in", 3600))
        return self._token

    def _send(self, method: str, url: str, auth: bool = True, **kwargs: Any) -> dict[str, Any]:
        headers = {"ConsistencyLevel": "eventual"}
        if auth:
            headers["Authorization"] = f"Bearer {self._bearer()}"
        self.calls += 1
        try:
            reply = self.session.request(method, url, headers=headers, timeout=60, **kwargs)
        except requests.RequestException as exc:
            raise LinkDown(f"directory: {type(exc).__name__}") from exc
        if reply.status_code == 401 and auth:
            self._token = None  # expired or revoked: one fresh token, once
            headers["Authorization"] = f"Bearer {self._bearer()}"
            reply = self.session.request(method, url, headers=headers, timeout=60, **kwargs)
        if reply.status_code >= 500 or reply.status_code == 429:
            raise LinkDown(f"directory: HTTP {reply.status_code}")
        if reply.status_code >= 400:
            try:
                error = reply.json()["error"]
                message = error.get("message", "") if isinstance(error, dict) else str(error)
            except (ValueError, KeyError, TypeError):
                message = reply.text[:200]
            raise LinkRefused(reply.status_code, "directory", message)
        result: dict[str, Any] = reply.json()
        return result

    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        url: str | None = f"{self.settings.graph_url.rstrip('/')}{path}"
        while url:
            body = self._send("GET", url)
            yield from body.get("value", [])
            url = body.get("@odata.nextLink")

    @staticmethod
    def _literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def group_by_dn(self, dn: str) -> dict[str, Any] | None:
        query = f"onPremisesDistinguishedName eq {self._literal(dn)}"
        found = list(self._pages(f"/groups?$filter={quote(query)}&$select={GROUP_FIELDS}"))
        return found[0] if found else None

    def group_by_mail(self, mail: str) -> dict[str, Any] | None:
        query = f"mail eq {self._literal(mail)}"
        found = list(self._pages(f"/groups?$filter={quote(query)}&$select={GROUP_FIELDS}"))
        return found[0] if found else None

    def transitive_users(self, group_id: str) -> list[Person]:
        """Every user in the group, nested groups expanded (Graph's transitiveMembers)."""
        members = self._pages(f"/groups/{quote(group_id)}/transitiveMembers?$select={USER_FIELDS}&$top=999")
        return [person(m) for m in members if m.get("@odata.type", "").endswith("user")]

    def user_by_mail(self, mail: str) -> Person | None:
        query = f"mail eq {self._literal(mail)}"
        found = list(self._pages(f"/users?$filter={quote(query)}&$select={USER_FIELDS}"))
        return person(found[0]) if found else None

    def all_groups(self) -> list[dict[str, Any]]:
        return list(self._pages(f"/groups?$select={GROUP_FIELDS}&$top=999"))

    def all_users(self) -> list[dict[str, Any]]:
        return list(self._pages(f"/users?$select={USER_FIELDS}&$top=999"))

    def member_count(self, group_id: str) -> int:
        return sum(1 for _ in self._pages(f"/groups/{quote(group_id)}/members?$select=id&$top=999"))


__all__ = ["Directory", "DirectorySettings", "Person", "person"]
