"""What every task type means by a mail folder, a message's archive key and an
Enterprise Vault shortcut (one definition for MFR, storage management and managed
folders)."""

from __future__ import annotations

#: the message class of an Enterprise Vault shortcut (MFR skips them unless included)
EV_SHORTCUT = "IPM.Note.EnterpriseVault.Shortcut"


def is_mail_folder(folder_class: str | None) -> bool:
    return (
        folder_class is None or folder_class == "" or folder_class == "IPF.Note" or folder_class.startswith("IPF.Note.")
    )


def archive_key(message_id: str, sent: str | None) -> str:
    """The archive key: Internet Message-ID + sent time."""
    return f"{message_id}|{sent or ''}"


__all__ = ["EV_SHORTCUT", "archive_key", "is_mail_folder"]
