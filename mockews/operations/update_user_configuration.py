"""UpdateUserConfiguration: replace the parts (Dictionary, XmlData, BinaryData) the
request carries; parts it leaves out are kept."""

from __future__ import annotations

from ..soap.user_configuration import parse_base64, parse_dictionary
from ..soap.xml import t
from .get_user_configuration import GetUserConfiguration


class UpdateUserConfiguration(GetUserConfiguration):
    name = "UpdateUserConfiguration"

    def produce(self) -> str:
        elem = self.configuration_element()
        config = self.existing(*self.named(elem))
        if elem.find(t("Dictionary")) is not None:
            config.dictionary = parse_dictionary(elem.find(t("Dictionary")))
        if elem.find(t("XmlData")) is not None:
            config.xml_data = parse_base64(elem.find(t("XmlData")))
        if elem.find(t("BinaryData")) is not None:
            config.binary_data = parse_base64(elem.find(t("BinaryData")))
        config.version = self.world.next_seq()
        return ""
