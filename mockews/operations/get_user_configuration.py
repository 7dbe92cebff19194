"""GetUserConfiguration: a named configuration object of a folder (what Outlook and OWA
keep their settings in: dictionaries, XML and binary blobs).  Unknown names answer
ErrorItemNotFound, as Exchange does; the same name in another folder is another object.
"""

from __future__ import annotations

from ..errors import ErrorInvalidValueForProperty, ErrorItemNotFound, ErrorSchemaValidation
from ..soap.render import esc
from ..soap.user_configuration import PROPERTIES, render_configuration
from ..soap.xml import Element, children, m, t
from ..store.model import Folder
from ..store.settings import UserConfiguration, settings_of
from .base import Operation

#: Exchange's rule for configuration names
MAX_NAME = 236


class GetUserConfiguration(Operation):
    name = "GetUserConfiguration"

    def execute(self) -> str:
        return self.single(lambda: self.ok(self.produce()))

    def produce(self) -> str:
        folder, name = self.configuration_name(self.request.find(m("UserConfigurationName")))
        properties = (self.request.findtext(m("UserConfigurationProperties")) or "All").strip()
        if properties not in PROPERTIES:
            raise ErrorSchemaValidation(f"{properties!r} is not a UserConfigurationProperties value.")
        return self.render(self.existing(folder, name), properties)

    def configuration_name(self, elem: Element | None) -> tuple[Folder, str]:
        if elem is None:
            raise ErrorSchemaValidation("A UserConfigurationName is required.")
        name = elem.get("Name", "")
        if not name or len(name) > MAX_NAME or name.startswith("IPM.Configuration"):
            raise ErrorInvalidValueForProperty(f"{name!r} is not a valid user configuration name.")
        if not all(c.isascii() and (c.isalnum() or c == ".") for c in name):
            raise ErrorInvalidValueForProperty("A user configuration name has only A-Z, a-z, 0-9 and '.'.")
        ids = children(elem)
        if len(ids) != 1:
            raise ErrorSchemaValidation("A UserConfigurationName needs one folder id.")
        return self.folder(ids[0]), name

    def existing(self, folder: Folder, name: str) -> UserConfiguration:
        found = settings_of(folder.mailbox).configurations.get((folder.id, name.lower()))
        if found is None:
            raise ErrorItemNotFound(f"The user configuration {name!r} was not found in this folder.")
        return found

    def render(self, config: UserConfiguration, properties: str) -> str:
        name_xml = (
            f'<t:UserConfigurationName Name="{esc(config.name)}"><t:FolderId Id="{config.folder_id}"/>'
            "</t:UserConfigurationName>"
        )
        id_xml = f'<t:ItemId Id="{config.item_id}" ChangeKey="{self.world.change_key(config.version)}"/>'
        return render_configuration(config, name_xml, id_xml, properties)

    def configuration_element(self) -> Element:
        elem = self.request.find(m("UserConfiguration"))
        if elem is None:
            raise ErrorSchemaValidation("A UserConfiguration is required.")
        return elem

    def named(self, elem: Element) -> tuple[Folder, str]:
        return self.configuration_name(elem.find(t("UserConfigurationName")))
