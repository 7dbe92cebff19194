"""The admin plane (style §5): reset, seed, state, readiness, faults, throttling,
sync-state invalidation, provisioning, bulk load and save/load of the world — as
Python methods on :class:`MockExchangeAdmin` and as JSON over HTTP under
``/mockews-api``.  Bad input is a 400 naming the field; nothing is half-applied.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from .adminplane import AdminAccess, AdminError, base_blueprint, json_body, parse_model
from .errors import EWSError
from .faults import FAULT_KINDS, FaultKind, FaultRule
from .store.loader import folder_by_path, new_calendar_item, new_message
from .store.model import SENSITIVITIES
from .store.persist import WorldFileError, load_world, save_world
from .store.world import World
from .throttle import ThrottlePolicy

if TYPE_CHECKING:
    from .service import MockExchange


# -- input models -----------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecipientIn(_Model):
    email: str
    name: str | None = None

    def address(self) -> str | tuple[str, str]:
        return (self.name, self.email) if self.name else self.email


class AttachmentIn(_Model):
    name: str
    content: str = ""  # base64

    @field_validator("content")
    @classmethod
    def _b64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("content must be base64") from exc
        return value


class ItemIn(_Model):
    folder: str = "inbox"
    kind: Literal["Message", "CalendarItem"] = "Message"
    subject: str | None = None
    body: str | None = None
    item_class: str | None = None
    sensitivity: Literal["Normal", "Personal", "Private", "Confidential"] = "Normal"
    importance: Literal["Low", "Normal", "High"] = "Normal"
    is_read: StrictBool = False
    categories: list[str] = Field(default_factory=list)
    received: datetime | None = None
    sent: datetime | None = None
    message_id: str | None = None
    sender: RecipientIn | None = None
    to: list[RecipientIn] = Field(default_factory=list)
    cc: list[RecipientIn] = Field(default_factory=list)
    size: StrictInt | None = Field(default=None, ge=0)
    attachments: list[AttachmentIn] = Field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    is_all_day: StrictBool = False
    required: list[RecipientIn] = Field(default_factory=list)
    optional: list[RecipientIn] = Field(default_factory=list)

    @field_validator("received", "sent", "start", "end")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("datetimes need a time zone (e.g. 2024-01-01T09:00:00Z)")
        return value

    @model_validator(mode="after")
    def _calendar(self) -> ItemIn:
        if self.kind == "CalendarItem":
            if self.start is None or self.end is None:
                raise ValueError("a CalendarItem needs start and end")
            if self.end < self.start:
                raise ValueError("end is earlier than start")
        return self


class FolderIn(_Model):
    path: str = Field(min_length=1)
    folder_class: str | None = None


class MailboxIn(_Model):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str | None = None
    password: str | None = None
    can_impersonate: StrictBool = False
    #: a room or equipment mailbox (GetRooms lists rooms; put them in a "roomlist" group)
    resource_type: Literal["Room", "Equipment"] | None = None
    #: give the mailbox an archive mailbox (ArchiveItem, account.archive_root …)
    archive: StrictBool = False
    folders: list[FolderIn] = Field(default_factory=list)
    items: list[ItemIn] = Field(default_factory=list)


class AccountIn(_Model):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    password: str | None = None
    can_impersonate: StrictBool = False
    full_access: list[str] = Field(default_factory=list)


class GroupIn(_Model):
    display_name: str
    mail: str | None = None
    kind: Literal["security", "distribution", "unified", "roomlist"] = "distribution"
    distinguished_name: str | None = None
    members: list[str] = Field(default_factory=list)  # addresses of users, groups or contacts


class BulkLoadIn(_Model):
    accounts: list[AccountIn] = Field(default_factory=list)
    mailboxes: list[MailboxIn] = Field(default_factory=list)
    groups: list[GroupIn] = Field(default_factory=list)


class FaultIn(_Model):
    kind: FaultKind
    operation: str = "*"
    probability: StrictFloat = Field(default=1.0, ge=0.0, le=1.0)
    start: datetime | None = None
    end: datetime | None = None
    latency_ms: StrictInt = Field(default=0, ge=0)
    back_off_ms: StrictInt = Field(default=1000, ge=0)
    retry_after_s: StrictInt = Field(default=1, ge=0)
    count: StrictInt | None = Field(default=None, ge=1)
    mailbox: str | None = None


class ThrottleIn(_Model):
    max_concurrency: StrictInt = Field(default=27, ge=1)
    rate: StrictFloat | None = Field(default=None, gt=0)
    burst: StrictInt = Field(default=50, ge=1)
    concurrency_back_off_ms: StrictInt = Field(default=500, ge=0)


# -- the Python API ---------------------------------------------------------------------


class MockExchangeAdmin:
    def __init__(self, service: MockExchange) -> None:
        self.service = service

    @property
    def world(self) -> World:
        return self.service.world

    def reset(self, seed: int | None = None) -> None:
        """Empty world (same clock and server version), no faults, default throttling."""
        self.world.reset(seed)
        self.service.faults.clear(seed)
        self.service.throttle.configure(ThrottlePolicy())

    def ready(self) -> bool:
        return True

    def state(self) -> dict[str, Any]:
        world = self.world
        with world.lock:
            return {
                "seed": world.seed,
                "now": world.clock.now().isoformat(),
                "auth": self.service.auth,
                "counts": world.counts(),
                "requests": self.service.requests,
                "throttled": self.service.throttle.refused,
                "mailboxes": sorted(m.email for m in world.mailboxes.values()),
                "faults": [rule.as_dict() for rule in self.service.faults.rules],
                "throttle": vars(self.service.throttle.policy),
                "delivery_delay_s": world.delivery_delay_s,
                "pending_deliveries": len(world.pending_deliveries),
            }

    # faults and throttling

    def add_fault(self, rule: FaultRule | FaultIn | dict[str, Any]) -> FaultRule:
        if not isinstance(rule, FaultRule):
            spec = rule if isinstance(rule, FaultIn) else parse_model(FaultIn, rule)
            rule = FaultRule(**spec.model_dump())
        try:
            return self.service.faults.add(rule)
        except ValueError as exc:
            raise AdminError("fault", str(exc)) from exc

    def clear_faults(self) -> None:
        self.service.faults.clear()

    def set_throttle(self, policy: ThrottlePolicy | ThrottleIn | dict[str, Any]) -> ThrottlePolicy:
        if not isinstance(policy, ThrottlePolicy):
            spec = policy if isinstance(policy, ThrottleIn) else parse_model(ThrottleIn, policy)
            policy = ThrottlePolicy(**spec.model_dump())
        self.service.throttle.configure(policy)
        return policy

    def set_delivery_delay(self, seconds: object) -> int:
        """Seconds from a send to the arrival for mail sent from now on (0: at once)."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 86_400:
            raise AdminError("delay_s", "delay_s must be a whole number of seconds from 0 to 86400")
        with self.world.lock:
            self.world.delivery_delay_s = seconds
        return seconds

    def invalidate_sync_states(self, mailbox: str | None = None, folder_id: str | None = None) -> int:
        """Refuse every sync state issued so far for the folders named (all folders of
        ``mailbox``, one folder, or the whole world); returns how many folders."""
        world = self.world
        with world.lock:
            if folder_id is not None:
                owner = world.mailbox_of_id(folder_id)
                if owner is None or folder_id not in owner.objects:
                    raise AdminError("folder_id", f"no folder {folder_id}")
                folders = [owner.folder(folder_id)]
            elif mailbox is not None:
                found = world.find_mailbox(mailbox)
                if found is None:
                    raise AdminError("mailbox", f"no mailbox {mailbox}")
                folders = found.folders()
            else:
                folders = [f for m in world.mailboxes.values() for f in m.folders()]
            for folder in folders:
                folder.generation += 1
            return len(folders)

    # provisioning

    def add_account(self, spec: AccountIn | dict[str, Any]) -> None:
        spec = spec if isinstance(spec, AccountIn) else parse_model(AccountIn, spec)
        with self.world.lock:
            account = self.world.add_account(spec.email, spec.password, spec.can_impersonate)
            account.full_access = {a.lower() for a in spec.full_access}

    def provision_mailbox(self, spec: MailboxIn | dict[str, Any]) -> dict[str, int]:
        spec = spec if isinstance(spec, MailboxIn) else parse_model(MailboxIn, spec)
        return self.bulk_load(BulkLoadIn(mailboxes=[spec]))

    def bulk_load(self, spec: BulkLoadIn | dict[str, Any]) -> dict[str, int]:
        """Load accounts, mailboxes (folders, items) and groups in one go.  Everything is
        validated before anything is written."""
        spec = spec if isinstance(spec, BulkLoadIn) else parse_model(BulkLoadIn, spec)
        world = self.world
        with world.lock:
            self._check_groups(spec)
            counts = {"accounts": 0, "mailboxes": 0, "folders": 0, "items": 0, "groups": 0}
            for account in spec.accounts:
                self.add_account(account)
                counts["accounts"] += 1
            for mailbox_spec in spec.mailboxes:
                mailbox = world.provision_mailbox(
                    mailbox_spec.email,
                    mailbox_spec.display_name,
                    mailbox_spec.password,
                    mailbox_spec.can_impersonate,
                )
                if mailbox_spec.resource_type:
                    world.provision_resource(mailbox.email, mailbox.display_name, mailbox_spec.resource_type)
                if mailbox_spec.archive:
                    world.enable_archive(mailbox.email)
                counts["mailboxes"] += 1
                for folder in mailbox_spec.folders:
                    folder_by_path(mailbox, folder.path, folder_class=folder.folder_class)
                    counts["folders"] += 1
                for item in mailbox_spec.items:
                    self._load_item(mailbox, item)
                    counts["items"] += 1
            for group in spec.groups:
                members = [world.directory.by_mail(address) for address in group.members]
                world.directory.add_group(
                    group.display_name,
                    group.mail,
                    group.kind,
                    group.distinguished_name,
                    [m.id for m in members if m is not None],
                )
                counts["groups"] += 1
            return counts

    def _check_groups(self, spec: BulkLoadIn) -> None:
        known = {m.email.lower() for m in spec.mailboxes} | {g.mail.lower() for g in spec.groups if g.mail}
        for index, group in enumerate(spec.groups):
            for address in group.members:
                if address.lower() not in known and self.world.directory.by_mail(address) is None:
                    raise AdminError(f"groups.{index}.members", f"unknown member address {address}")

    @staticmethod
    def _load_item(mailbox: Any, item: ItemIn) -> None:
        folder = folder_by_path(mailbox, item.folder)
        attachments = [(a.name, base64.b64decode(a.content)) for a in item.attachments]
        if item.kind == "CalendarItem":
            assert item.start is not None and item.end is not None  # checked by ItemIn
            new_calendar_item(
                mailbox,
                folder,
                item.subject or "",
                item.start,
                item.end,
                item.location,
                item.is_all_day,
                item.sensitivity,
                None,
                [r.address() for r in item.required],
                [r.address() for r in item.optional],
                body=item.body,
                attachments=attachments,
            )
            return
        assert item.sensitivity in SENSITIVITIES
        new_message(
            mailbox,
            folder,
            item.subject,
            item.body,
            item.sender.address() if item.sender else None,
            [r.address() for r in item.to],
            [r.address() for r in item.cc],
            item.received,
            item.sent,
            item.is_read,
            False,
            item.sensitivity,
            item.importance,
            item.categories,
            item.item_class,
            item.size,
            item.message_id,
            attachments,
        )

    # persistence

    def save(self, path: str | Path) -> int:
        return save_world(self.world, path)

    def load(self, path: str | Path) -> dict[str, int]:
        """Replace the world by the one in ``path``; on any error the current world stays."""
        try:
            world = load_world(path, self.world.clock)
        except FileNotFoundError as exc:
            raise AdminError("path", f"no such file: {path}") from exc
        except WorldFileError as exc:
            raise AdminError("path", str(exc)) from exc
        self.service.replace_world(world)
        return world.counts()


# -- HTTP -------------------------------------------------------------------------------


def admin_blueprint(service: MockExchange, access: AdminAccess | None = None) -> Blueprint:
    admin = service.admin
    access = access or AdminAccess()
    bp = base_blueprint("mockews_admin", "/mockews-api", admin, service.faults, access)

    @bp.errorhandler(EWSError)
    def store_error(exc: EWSError) -> tuple[Response, int]:
        return jsonify(error={"field": "body", "message": f"{exc.code}: {exc.message}"}), 400

    @bp.put("/throttle")
    def throttle() -> Response:
        return jsonify(vars(admin.set_throttle(json_body())))

    @bp.put("/delivery")
    def delivery() -> Response:
        return jsonify(delay_s=admin.set_delivery_delay(json_body().get("delay_s")))

    @bp.post("/sync-states/invalidate")
    def invalidate() -> Response:
        data = json_body()
        return jsonify(folders=admin.invalidate_sync_states(data.get("mailbox"), data.get("folder_id")))

    @bp.post("/accounts")
    def accounts() -> tuple[Response, int]:
        admin.add_account(json_body())
        return jsonify(admin.state()["counts"]), 201

    @bp.post("/mailboxes")
    def mailboxes() -> tuple[Response, int]:
        return jsonify(admin.provision_mailbox(json_body())), 201

    @bp.post("/bulk-load")
    def bulk_load() -> tuple[Response, int]:
        return jsonify(admin.bulk_load(json_body())), 201

    @bp.post("/save")
    def save() -> Response:
        path = access.file(json_body().get("path"))
        try:
            return jsonify(records=admin.save(path))
        except OSError as exc:  # a directory, no permission, a full disk: said, never a 500
            raise AdminError("path", f"cannot write {path}: {exc.strerror or exc}") from exc

    @bp.post("/load")
    def load() -> Response:
        path = access.file(json_body().get("path"))
        try:
            return jsonify(admin.load(path))
        except OSError as exc:
            raise AdminError("path", f"cannot read {path}: {exc.strerror or exc}") from exc

    return bp


__all__ = ["FAULT_KINDS", "AdminError", "BulkLoadIn", "MockExchangeAdmin", "admin_blueprint"]
