"""DeleteUserConfiguration: remove a named configuration object (ErrorItemNotFound when
the folder has none of that name)."""

from __future__ import annotations

from ..soap.xml import m
from ..store.settings import settings_of
from .get_user_configuration import GetUserConfiguration


class DeleteUserConfiguration(GetUserConfiguration):
    name = "DeleteUserConfiguration"

    def produce(self) -> str:
        folder, name = self.configuration_name(self.request.find(m("UserConfigurationName")))
        self.existing(folder, name)
        del settings_of(folder.mailbox).configurations[(folder.id, name.lower())]
        return ""
