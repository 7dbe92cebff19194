"""CreateUserConfiguration: a new named configuration object in a folder; a name the
folder already has answers ErrorItemSave, as Exchange does."""

from __future__ import annotations

from ..errors import ErrorItemSave
from ..soap.user_configuration import parse_base64, parse_dictionary
from ..soap.xml import t
from ..store.settings import UserConfiguration, settings_of
from .get_user_configuration import GetUserConfiguration


class CreateUserConfiguration(GetUserConfiguration):
    name = "CreateUserConfiguration"

    def produce(self) -> str:
        elem = self.configuration_element()
        folder, name = self.named(elem)
        configurations = settings_of(folder.mailbox).configurations
        if (folder.id, name.lower()) in configurations:
            raise ErrorItemSave(f"The user configuration {name!r} already exists in this folder.")
        configurations[(folder.id, name.lower())] = UserConfiguration(
            folder.id,
            name,
            self.world.new_item_id(folder.mailbox),
            self.world.next_seq(),
            parse_dictionary(elem.find(t("Dictionary"))),
            parse_base64(elem.find(t("XmlData"))),
            parse_base64(elem.find(t("BinaryData"))),
        )
        return ""
