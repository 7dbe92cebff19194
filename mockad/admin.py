"""Admin plane of the mock directory (style §5): reset, seed, state, readiness, faults,
OAuth clients, and changes to accounts and membership during a simulation — as Python
methods on :class:`MockDirectoryAdmin` and as JSON under ``/mockad-api``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from mockews.adminplane import AdminAccess, AdminError, base_blueprint, json_body, parse_model
from mockews.faults import FaultKind, FaultRule

from .store import Directory, DirectoryError, DirectoryGroup, DirectoryObject, DirectoryUser

if TYPE_CHECKING:
    from .service import MockDirectory


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserIn(_Model):
    display_name: str = Field(min_length=1)
    mail: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    user_principal_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    account_enabled: StrictBool = True
    licensed: StrictBool = True
    has_mailbox: StrictBool = True
    department: str | None = None
    job_title: str | None = None
    distinguished_name: str | None = None
    sam_account_name: str | None = None


class UserChange(_Model):
    display_name: str | None = None
    account_enabled: StrictBool | None = None
    licensed: StrictBool | None = None
    has_mailbox: StrictBool | None = None
    department: str | None = None
    job_title: str | None = None


class GroupIn(_Model):
    display_name: str = Field(min_length=1)
    mail: str | None = None
    kind: Literal["security", "distribution", "unified", "roomlist"] = "distribution"
    distinguished_name: str | None = None
    members: list[str] = Field(default_factory=list)


class ClientIn(_Model):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)


class DirectoryFaultIn(_Model):
    kind: FaultKind
    operation: str = "*"
    probability: StrictFloat = Field(default=1.0, ge=0.0, le=1.0)
    latency_ms: StrictInt = Field(default=0, ge=0)
    retry_after_s: StrictInt = Field(default=1, ge=0)
    count: StrictInt | None = Field(default=None, ge=1)


class MockDirectoryAdmin:
    def __init__(self, service: MockDirectory) -> None:
        self.service = service

    @property
    def directory(self) -> Directory:
        return self.service.world.directory

    def _object(self, key: str, field: str = "key") -> DirectoryObject:
        found = self.directory.get(key) or self.directory.by_mail(key)
        if found is None:
            raise AdminError(field, f"no user, group or contact {key!r}")
        return found

    def _user(self, key: str) -> DirectoryUser:
        found = self._object(key)
        if not isinstance(found, DirectoryUser):
            raise AdminError("key", f"{key!r} is not a user")
        return found

    def _group(self, key: str) -> DirectoryGroup:
        found = self._object(key)
        if not isinstance(found, DirectoryGroup):
            raise AdminError("key", f"{key!r} is not a group")
        return found

    # state

    def ready(self) -> bool:
        return True

    def state(self) -> dict[str, Any]:
        directory = self.directory
        return {
            "tenant_id": self.service.tenant_id,
            "domain": self.service.world.domain,
            "users": len(directory.users),
            "groups": len(directory.groups),
            "contacts": len(directory.contacts),
            "clients": sorted(self.service.clients),
            "requests": self.service.requests,
            "faults": [rule.as_dict() for rule in self.service.faults.rules],
        }

    def reset(self, seed: int | None = None) -> None:
        """Reset the shared world (mailboxes included), faults and issued tokens."""
        self.service.world.reset(seed)
        self.service.faults.clear(seed)
        self.service.bearer.revoke_all()

    def add_fault(self, spec: DirectoryFaultIn | dict[str, Any]) -> FaultRule:
        spec = spec if isinstance(spec, DirectoryFaultIn) else parse_model(DirectoryFaultIn, spec)
        try:
            return self.service.faults.add(FaultRule(**spec.model_dump()))
        except ValueError as exc:
            raise AdminError("fault", str(exc)) from exc

    def clear_faults(self) -> None:
        self.service.faults.clear()

    def register_client(self, client_id: str, client_secret: str) -> None:
        self.service.clients[client_id] = client_secret

    # accounts and membership (what scenarios change while they run)

    def add_user(self, spec: UserIn | dict[str, Any]) -> DirectoryUser:
        spec = spec if isinstance(spec, UserIn) else parse_model(UserIn, spec)
        fields = spec.model_dump(exclude={"display_name", "mail"})
        with self.service.world.lock:
            try:
                return self.directory.add_user(spec.display_name, spec.mail, **fields)
            except DirectoryError as exc:
                raise AdminError("mail", str(exc)) from exc

    def update_user(self, key: str, change: UserChange | dict[str, Any]) -> DirectoryUser:
        change = change if isinstance(change, UserChange) else parse_model(UserChange, change)
        with self.service.world.lock:
            user = self._user(key)
            return self.directory.update_user(user.id, **change.model_dump(exclude_none=True))

    def disable_user(self, key: str) -> DirectoryUser:
        return self.update_user(key, UserChange(account_enabled=False))

    def unlicense_user(self, key: str) -> DirectoryUser:
        return self.update_user(key, UserChange(licensed=False))

    def delete(self, key: str) -> None:
        with self.service.world.lock:
            self.directory.delete(self._object(key).id)

    def add_group(self, spec: GroupIn | dict[str, Any]) -> DirectoryGroup:
        spec = spec if isinstance(spec, GroupIn) else parse_model(GroupIn, spec)
        with self.service.world.lock:
            members = [self._object(m, "members").id for m in spec.members]
            try:
                return self.directory.add_group(
                    spec.display_name, spec.mail, spec.kind, spec.distinguished_name, members
                )
            except DirectoryError as exc:
                raise AdminError("mail", str(exc)) from exc

    def add_member(self, group: str, member: str) -> None:
        with self.service.world.lock:
            self.directory.add_member(self._group(group).id, self._object(member, "member").id)

    def remove_member(self, group: str, member: str) -> None:
        with self.service.world.lock:
            self.directory.remove_member(self._group(group).id, self._object(member, "member").id)


def admin_blueprint(service: MockDirectory, access: AdminAccess | None = None) -> Blueprint:
    admin = MockDirectoryAdmin(service)
    bp = base_blueprint("mockad_admin", "/mockad-api", admin, service.faults, access)

    @bp.errorhandler(DirectoryError)
    def refused(exc: DirectoryError) -> tuple[Response, int]:
        return jsonify(error={"field": "body", "message": str(exc)}), 400

    @bp.post("/clients")
    def clients() -> tuple[Response, int]:
        spec = parse_model(ClientIn, json_body())
        admin.register_client(spec.client_id, spec.client_secret)
        return jsonify(admin.state()), 201

    @bp.post("/users")
    def add_user() -> tuple[Response, int]:
        return jsonify(id=admin.add_user(json_body()).id), 201

    @bp.patch("/users/<key>")
    def update_user(key: str) -> Response:
        return jsonify(id=admin.update_user(key, json_body()).id)

    @bp.delete("/objects/<key>")
    def delete(key: str) -> Response:
        admin.delete(key)
        return jsonify(deleted=key)

    @bp.post("/groups")
    def add_group() -> tuple[Response, int]:
        return jsonify(id=admin.add_group(json_body()).id), 201

    @bp.post("/groups/<key>/members")
    def add_member(key: str) -> Response:
        member = json_body().get("member")
        if not isinstance(member, str):
            raise AdminError("member", "an id or address is required")
        admin.add_member(key, member)
        return jsonify(ok=True)

    @bp.delete("/groups/<key>/members/<member>")
    def remove_member(key: str, member: str) -> Response:
        admin.remove_member(key, member)
        return jsonify(ok=True)

    return bp


__all__ = ["AdminError", "MockDirectoryAdmin", "admin_blueprint"]
