"""What a rule of the console or the archive refuses, in the domain's words.

Stores, the task registry and the workflows raise these; they know nothing of HTTP.
The web layer (``engine.webapi``) is the one place that turns each kind into a status
code and the JSON error body; the command line turns them into its own messages.
Every error names the field it is about, so a form or a client can point at it.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request a rule refuses: the field it is about and why.  Raise a kind below."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Invalid(DomainError):
    """The input breaks a rule of its own (a bad value, a missing part)."""


class Unauthorized(DomainError):
    """No credential, or one nobody holds (an unknown key, a wrong password)."""


class Forbidden(DomainError):
    """The credential is known but may not do this (a read-only administrator,
    another site's task or mailbox, the wrong kind of key)."""


class NotFound(DomainError):
    """What the request names does not exist (or, for a site, is not its own)."""


class Conflict(DomainError):
    """The request is valid but clashes with the state (a taken name, an object in
    use, an unconfirmed R9 removal, a mailbox another task replicates)."""


class Gone(DomainError):
    """It existed and was removed (a task after R9): it takes nothing more."""


class Throttled(DomainError):
    """Too many failed attempts of late (logins): refused, right or wrong, until
    ``retry_after`` seconds have passed."""

    def __init__(self, field: str, message: str, retry_after: int = 60) -> None:
        super().__init__(field, message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A service the rule depends on cannot be reached now (the archive platform)."""


__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Gone",
    "Invalid",
    "NotFound",
    "Throttled",
    "Unauthorized",
    "Unavailable",
]
