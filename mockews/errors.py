"""EWS ResponseCodes as Python exceptions: one class per code we emit, named exactly
after the wire code (style §3).  The store raises them; the SOAP layer renders them
through one path, either as a ResponseMessage of class Error or as a SOAP fault.

exchangelib looks every code up by name in ``exchangelib.errors``; a test asserts each
class here exists there.  Never add the version-negotiation codes
(ErrorInvalidServerVersion, ErrorIncorrectSchemaVersion, ErrorInvalidRequest,
ErrorInvalidSchemaVersionForMailboxVersion): exchangelib answers them by retrying with
every older API version.
"""

from __future__ import annotations

from typing import ClassVar


class EWSError(Exception):
    """Base of every EWS ResponseCode.  ``values`` become ``t:Value`` entries of
    ``MessageXml`` (e.g. BackOffMilliseconds)."""

    code: ClassVar[str] = "ErrorInternalServerError"
    default_message: ClassVar[str] = "An internal server error occurred."

    def __init__(self, message: str | None = None, **values: str | int) -> None:
        self.message = message or self.default_message
        self.values = values
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # A class named after a wire code carries that code; a refinement with another
        # name (e.g. HostileXML) keeps its parent's code.
        if cls.__name__.startswith("Error"):
            cls.code = cls.__name__


class ErrorInternalServerError(EWSError):
    pass


class ErrorInternalServerTransientError(EWSError):
    default_message = "An internal server error occurred. Try again later."


class ErrorServerBusy(EWSError):
    default_message = "The server cannot service this request right now. Try again later."

    def __init__(self, back_off_ms: int, message: str | None = None) -> None:
        super().__init__(message, BackOffMilliseconds=back_off_ms)
        self.back_off_ms = back_off_ms


class ErrorMailboxStoreUnavailable(EWSError):
    default_message = "The mailbox database is temporarily unavailable."


class ErrorInvalidOperation(EWSError):
    default_message = "The operation is not valid."


class ErrorSchemaValidation(EWSError):
    default_message = "The request failed schema validation."


class ErrorInvalidIdMalformed(EWSError):
    default_message = "Id is malformed."


class ErrorInvalidIdEmpty(EWSError):
    default_message = "Id must be non-empty."


class ErrorItemNotFound(EWSError):
    default_message = "The specified object was not found in the store."


class ErrorFolderNotFound(EWSError):
    default_message = "The specified folder could not be found in the store."


class ErrorFolderExists(EWSError):
    default_message = "A folder with the specified name already exists."


class ErrorNonExistentMailbox(EWSError):
    default_message = "No mailbox with such guid."


class ErrorImpersonateUserDenied(EWSError):
    default_message = "The account does not have permission to impersonate the requested user."


class ErrorAccessDenied(EWSError):
    default_message = "Access is denied. Check credentials and try again."


class ErrorInvalidSyncStateData(EWSError):
    default_message = "Synchronization state data is corrupt or otherwise invalid."


class ErrorInvalidChangeKey(EWSError):
    default_message = "The change key is invalid."


class ErrorIrresolvableConflict(EWSError):
    default_message = "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item."  # noqa: E501


# -- notifications (Subscribe, GetEvents, GetStreamingEvents, Unsubscribe) -------------


class ErrorSubscriptionNotFound(EWSError):
    default_message = "The specified subscription was not found."


class ErrorInvalidSubscription(EWSError):
    default_message = "Subscription is invalid."


class ErrorInvalidPullSubscriptionId(EWSError):
    default_message = "The subscription is not a pull subscription."


class ErrorInvalidWatermark(EWSError):
    default_message = "The watermark is not valid."


class ErrorInvalidPushSubscriptionUrl(EWSError):
    default_message = "The push subscription URL is not valid."


# -- MIME (MimeContent, ExportItems, UploadItems) ---------------------------------------


class ErrorMimeContentConversionFailed(EWSError):
    default_message = "The MIME content could not be converted to an item."


class ErrorMimeContentInvalidBase64String(EWSError):
    default_message = "The MIME content is not a valid base64 string."


class ErrorDeleteDistinguishedFolder(EWSError):
    default_message = "Distinguished folders cannot be deleted."


class ErrorMoveDistinguishedFolder(EWSError):
    default_message = "Distinguished folders cannot be moved."


class ErrorMoveCopyFailed(EWSError):
    default_message = "The move or copy operation failed."


class ErrorInvalidPropertyRequest(EWSError):
    default_message = "The property request is invalid."


class ErrorInvalidPercentCompleteValue(EWSError):
    default_message = "PercentComplete must be between 0 and 100."


class ErrorInvalidPropertySet(EWSError):
    default_message = "This property was requested, but it isn't supported."


class ErrorInvalidPropertyDelete(EWSError):
    default_message = "This property cannot be deleted."


class ErrorInvalidValueForProperty(EWSError):
    default_message = "The value is invalid for property."


class ErrorInvalidRestriction(EWSError):
    default_message = "The restriction is invalid."


class ErrorUnsupportedPathForQuery(EWSError):
    default_message = "The property can not be used with this type of restriction."


class ErrorInvalidPagingMaxRows(EWSError):
    default_message = "The specified paging MaxRows value is invalid."


class ErrorNameResolutionNoResults(EWSError):
    default_message = "No results were found."


class ErrorNameResolutionMultipleResults(EWSError):
    default_message = "Multiple results were found."


class ErrorNameResolutionNoMailbox(EWSError):
    default_message = "The name resolution found no mailbox."


class ErrorInvalidRecipients(EWSError):
    default_message = "At least one recipient isn't valid."


class ErrorCannotDeleteObject(EWSError):
    default_message = "The object cannot be deleted."


class ErrorInvalidExtendedPropertyValue(EWSError):
    default_message = "The extended property value is invalid."


class ErrorCalendarEndDateIsEarlierThanStartDate(EWSError):
    default_message = "EndDate is earlier than StartDate."


class ErrorInvalidAttachmentId(EWSError):
    default_message = "The attachment id is invalid."


class ErrorNoPublicFolderReplicaAvailable(EWSError):
    default_message = "Public folders are not available."


class ErrorInvalidScheduledOofDuration(EWSError):
    default_message = "The scheduled Oof duration is invalid."


class ErrorInvalidUserOofSettings(EWSError):
    default_message = "The user Oof settings are invalid."


class ErrorDelegateAlreadyExists(EWSError):
    default_message = "The delegate already exists."


class ErrorDelegateNoUser(EWSError):
    default_message = "The delegate does not map to a user in the Active Directory."


class ErrorNotDelegate(EWSError):
    default_message = "The specified user is not a delegate of the mailbox."


class ErrorDelegateCannotAddOwner(EWSError):
    default_message = "The owner of the mailbox cannot be added as a delegate."


class ErrorInboxRulesValidationError(EWSError):
    default_message = "A validation error occurred while executing the rule operation."


class ErrorItemSave(EWSError):
    default_message = "The item could not be saved."


class ErrorTimeZone(EWSError):
    default_message = "The time zone isn't valid."


class ErrorInvalidUserSid(EWSError):
    default_message = "The user SID is invalid or does not map to a user in the Active Directory."


class ErrorDelegateValidationFailed(EWSError):
    default_message = "The delegate user's settings are not valid."


class ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange(EWSError):
    default_message = "The occurrence index is out of the recurrence range."


class ErrorCalendarOccurrenceIsDeletedFromRecurrence(EWSError):
    default_message = "The occurrence was deleted from the recurrence."


class ErrorCalendarInvalidRecurrence(EWSError):
    default_message = "The recurrence pattern is invalid."


class ErrorCalendarCannotMoveOrCopyOccurrence(EWSError):
    default_message = "An occurrence of a recurring series cannot be moved or copied."


class ErrorCalendarCannotUseIdForOccurrenceId(EWSError):
    default_message = "An OccurrenceItemId must name a recurring master."


class ErrorCalendarCannotUseIdForRecurringMasterId(EWSError):
    default_message = "A RecurringMasterItemId must name an occurrence or a recurring master."


class ErrorCalendarIsCancelledForAccept(EWSError):
    default_message = "The meeting was cancelled and cannot be accepted."


class ErrorCalendarIsCancelledForDecline(EWSError):
    default_message = "The meeting was cancelled and cannot be declined."


class ErrorCalendarIsCancelledForTentative(EWSError):
    default_message = "The meeting was cancelled and cannot be tentatively accepted."


class ErrorCalendarIsNotOrganizer(EWSError):
    default_message = "Only the organizer can cancel a meeting."


class ErrorCalendarIsOrganizerForAccept(EWSError):
    default_message = "The organizer cannot accept their own meeting."


class ErrorCalendarIsOrganizerForDecline(EWSError):
    default_message = "The organizer cannot decline their own meeting."


class ErrorCalendarIsOrganizerForTentative(EWSError):
    default_message = "The organizer cannot tentatively accept their own meeting."


class ErrorMissingInformationReferenceItemId(EWSError):
    default_message = "A meeting response needs a ReferenceItemId."


def all_error_classes() -> list[type[EWSError]]:
    """Every code this module can put on the wire (for the exchangelib cross-check)."""
    found: list[type[EWSError]] = []
    pending: list[type[EWSError]] = [EWSError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


class ErrorMailRecipientNotFound(EWSError):
    default_message = "The recipient was not found in the directory."


class ErrorInvalidTimeInterval(EWSError):
    default_message = "The time interval is not valid."


class ErrorTimeIntervalTooBig(EWSError):
    default_message = "The time interval is too big."


class ErrorInvalidMergedFreeBusyInterval(EWSError):
    default_message = "The merged free/busy interval must be between 5 and 1440 minutes."
