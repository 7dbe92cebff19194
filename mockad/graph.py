"""Directory objects as Microsoft Graph v1.0 JSON (plain dicts; no Flask here)."""

from __future__ import annotations

from typing import Any

from .store import DirectoryGroup, DirectoryObject, DirectoryUser, MailContact

#: the skuId the mock reports for a licensed user (Exchange Online Plan 1)
EXCHANGE_SKU = "4b9405b0-7788-4568-add1-99614e613b69"

USER_PROPERTIES = frozenset(
    {
        "id",
        "displayName",
        "givenName",
        "surname",
        "userPrincipalName",
        "mail",
        "proxyAddresses",
        "accountEnabled",
        "department",
        "jobTitle",
        "onPremisesDistinguishedName",
        "onPremisesSamAccountName",
        "assignedLicenses",
        "provisionedPlans",
    }
)
#: what Graph returns for a user without $select (the modelled part of its default set)
USER_DEFAULT = ("id", "displayName", "givenName", "surname", "userPrincipalName", "mail", "jobTitle")
#: what Graph returns for a group without $select: every modelled property but its members
GROUP_DEFAULT = (
    "id",
    "displayName",
    "mail",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "onPremisesDistinguishedName",
    "onPremisesSyncEnabled",
)
GROUP_PROPERTIES = frozenset({*GROUP_DEFAULT, "members"})
CONTACT_PROPERTIES = frozenset({"id", "displayName", "mail"})

#: $filter support, as Graph documents it for these properties; users and groups share the first four
_DIRECTORY_OBJECT_FILTERS = {
    "id": frozenset({"eq", "ne"}),
    "mail": frozenset({"eq", "ne", "startswith"}),
    "displayName": frozenset({"eq", "ne", "startswith"}),
    "onPremisesDistinguishedName": frozenset({"eq"}),
}
USER_FILTERS = {
    **_DIRECTORY_OBJECT_FILTERS,
    "userPrincipalName": frozenset({"eq", "ne", "startswith"}),
    "accountEnabled": frozenset({"eq", "ne"}),
    "department": frozenset({"eq", "startswith"}),
    "proxyAddresses": frozenset({"any"}),
}
GROUP_FILTERS = {
    **_DIRECTORY_OBJECT_FILTERS,
    "mailEnabled": frozenset({"eq", "ne"}),
    "securityEnabled": frozenset({"eq", "ne"}),
    "groupTypes": frozenset({"any"}),
}


def user_json(user: DirectoryUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "displayName": user.display_name,
        "givenName": user.given_name,
        "surname": user.surname,
        "userPrincipalName": user.user_principal_name,
        "mail": user.mail,
        "proxyAddresses": list(user.proxy_addresses),
        "accountEnabled": user.account_enabled,
        "department": user.department,
        "jobTitle": user.job_title,
        "onPremisesDistinguishedName": user.distinguished_name,
        "onPremisesSamAccountName": user.sam_account_name,
        "assignedLicenses": [{"skuId": EXCHANGE_SKU, "disabledPlans": []}] if user.licensed else [],
        "provisionedPlans": (
            [{"capabilityStatus": "Enabled", "provisioningStatus": "Success", "service": "exchange"}]
            if user.has_mailbox
            else []
        ),
    }


def group_json(group: DirectoryGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "displayName": group.display_name,
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "securityEnabled": group.security_enabled,
        "groupTypes": list(group.group_types),
        "onPremisesDistinguishedName": group.distinguished_name,
        "onPremisesSyncEnabled": group.sync_enabled,
    }


def contact_json(contact: MailContact) -> dict[str, Any]:
    return {"id": contact.id, "displayName": contact.display_name, "mail": contact.mail}


ODATA_TYPES = {
    DirectoryUser: "#microsoft.graph.user",
    DirectoryGroup: "#microsoft.graph.group",
    MailContact: "#microsoft.graph.orgContact",
}


def object_json(obj: DirectoryObject) -> dict[str, Any]:
    if isinstance(obj, DirectoryUser):
        return user_json(obj)
    if isinstance(obj, DirectoryGroup):
        return group_json(obj)
    return contact_json(obj)


def member_json(obj: DirectoryObject, select: list[str] | None) -> dict[str, Any]:
    """A member as Graph lists it: typed, with the selected (or default) properties
    that exist on its type."""
    full = object_json(obj)
    names = select or ["id", "displayName", "mail"]
    return {"@odata.type": ODATA_TYPES[type(obj)], **{n: full[n] for n in names if n in full}}


def selected(full: dict[str, Any], select: list[str] | None, default: tuple[str, ...]) -> dict[str, Any]:
    names = select or default
    out = {n: full[n] for n in names if n in full}
    if "id" not in out:
        out = {"id": full["id"], **out}  # Graph always returns the id
    return out
