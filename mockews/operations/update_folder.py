"""UpdateFolder: Set/DeleteFolderField on DisplayName and FolderClass, SetFolderField
on PermissionSet (kept and returned as sent); same id back."""

from __future__ import annotations

from ..errors import ErrorInvalidPropertyDelete, ErrorInvalidPropertySet, ErrorSchemaValidation
from ..soap.folders import WRITABLE, folder_id_only, parse_permission_set
from ..soap.xml import Element, children, local_name, m, t
from ..store.model import FolderPermission
from .base import Operation


class UpdateFolder(Operation):
    name = "UpdateFolder"

    def execute(self) -> str:
        return self.batch(children(self.request.find(m("FolderChanges"))), self._change)

    def _change(self, change: Element) -> str:
        ids = [c for c in children(change) if local_name(c) in ("FolderId", "DistinguishedFolderId")]
        if len(ids) != 1:
            raise ErrorSchemaValidation("A FolderChange needs one folder id.")
        folder = self.folder(ids[0])
        sets: dict[str, str | None] = {}
        permissions: tuple[FolderPermission, ...] | None = None
        for update in children(change.find(t("Updates"))):
            kind = local_name(update)
            uri_elem = update.find(t("FieldURI"))
            uri = "" if uri_elem is None else uri_elem.get("FieldURI", "")
            if uri == "folder:PermissionSet" and kind == "SetFolderField":
                permissions = self._permissions(update)
                continue
            field = WRITABLE.get(uri)
            if kind == "DeleteFolderField":
                raise ErrorInvalidPropertyDelete(f"The property {uri or 'given'} cannot be deleted.")
            if field is None:
                raise ErrorInvalidPropertySet(f"The property {uri or 'given'} cannot be set.")
            holder = next(iter(c for c in children(update) if local_name(c) != "FieldURI"), None)
            if holder is None:
                raise ErrorSchemaValidation(f"{kind} needs a folder element.")
            value = holder.findtext(t(uri.split(":", 1)[1]))
            sets[field] = value or ""
        folder.mailbox.update_folder(
            folder, name=sets.get("name"), folder_class=sets.get("folder_class"), permissions=permissions
        )
        return folder_id_only(folder, self.world)

    @staticmethod
    def _permissions(update: Element) -> tuple[FolderPermission, ...]:
        holder = next(iter(c for c in children(update) if local_name(c) != "FieldURI"), None)
        return parse_permission_set(None if holder is None else holder.find(t("PermissionSet")))
