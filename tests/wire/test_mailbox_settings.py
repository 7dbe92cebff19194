"""Raw SOAP for the mailbox-settings operations (issue 13, "Operations still missing"):
the shapes exchangelib only half checks and the requests it cannot send — a scheduled
OOF whose end is before its start, a rule operation list that fails part-way (nothing
applied), time zone ids without full data."""

from __future__ import annotations

from mockews.store import World

from ..conftest import ALICE
from .conftest import NS, Post, envelope, impersonate

MAILBOX = f"<t:Mailbox><t:Address>{ALICE}</t:Address></t:Mailbox>"


def test_get_user_oof_settings_has_the_availability_shape(post: Post) -> None:
    reply = post(envelope(f"<m:GetUserOofSettingsRequest>{MAILBOX}</m:GetUserOofSettingsRequest>"))
    body = reply.xml.find(".//m:GetUserOofSettingsResponse", NS)
    assert body is not None
    assert body.findtext("m:ResponseMessage/m:ResponseCode", namespaces=NS) == "NoError"
    assert body.findtext("t:OofSettings/t:OofState", namespaces=NS) == "Disabled"
    assert body.find("t:OofSettings/t:Duration/t:StartTime", NS) is not None
    assert body.findtext("m:AllowExternalOof", namespaces=NS) == "All"


def test_a_schedule_ending_before_it_starts_is_refused(post: Post, world: World) -> None:
    settings = (
        "<t:UserOofSettings><t:OofState>Scheduled</t:OofState><t:ExternalAudience>All</t:ExternalAudience>"
        "<t:Duration><t:StartTime>2030-01-02T00:00:00Z</t:StartTime><t:EndTime>2030-01-01T00:00:00Z</t:EndTime>"
        "</t:Duration><t:InternalReply><t:Message>x</t:Message></t:InternalReply>"
        "<t:ExternalReply><t:Message>y</t:Message></t:ExternalReply></t:UserOofSettings>"
    )
    reply = post(envelope(f"<m:SetUserOofSettingsRequest>{MAILBOX}{settings}</m:SetUserOofSettingsRequest>"))
    assert reply.codes() == ["ErrorInvalidScheduledOofDuration"]
    assert world.mailbox(ALICE).settings is None or world.mailbox(ALICE).settings.oof.state == "Disabled"


def _rule(name: str, extra: str = "") -> str:
    return (
        f"<t:Rule>{extra}<t:DisplayName>{name}</t:DisplayName><t:Priority>1</t:Priority>"
        "<t:IsEnabled>true</t:IsEnabled><t:Actions><t:MarkAsRead>1</t:MarkAsRead></t:Actions></t:Rule>"
    )


def test_rule_operations_apply_all_or_nothing(post: Post, world: World) -> None:
    operations = (
        f"<t:CreateRuleOperation>{_rule('good')}</t:CreateRuleOperation>"
        f"<t:CreateRuleOperation>{_rule('bad', '<t:RuleId>X</t:RuleId>')}</t:CreateRuleOperation>"
    )
    body = f"<m:UpdateInboxRules><m:Operations>{operations}</m:Operations></m:UpdateInboxRules>"
    reply = post(envelope(body, impersonate(ALICE)))
    response = reply.xml.find(".//m:UpdateInboxRulesResponse", NS)
    assert response is not None and response.get("ResponseClass") == "Error"
    assert reply.codes() == ["ErrorInboxRulesValidationError"]
    error = response.find("m:RuleOperationErrors/t:RuleOperationError", NS)
    assert error is not None and error.findtext("t:OperationIndex", namespaces=NS) == "1"
    assert error.findtext("t:ValidationErrors/t:Error/t:ErrorCode", namespaces=NS) == "CreateWithRuleId"
    assert not world.mailbox(ALICE).settings or world.mailbox(ALICE).settings.rules == []

    post(envelope(body.replace(_rule("bad", "<t:RuleId>X</t:RuleId>"), _rule("bad")), impersonate(ALICE)))
    listed = post(envelope("<m:GetInboxRules/>", impersonate(ALICE))).xml
    assert [r.text for r in listed.iterfind(".//t:Rule/t:DisplayName", NS)] == ["bad", "good"]  # both at 1: last first
    assert {r.text for r in listed.iterfind(".//t:MarkAsRead", NS)} == {"true"}  # 1 read back as Exchange writes it


def test_time_zone_ids_without_full_data(post: Post) -> None:
    ids = "<m:Ids><t:Id>Tokyo Standard Time</t:Id><t:Id>UTC</t:Id></m:Ids>"
    reply = post(envelope(f'<m:GetServerTimeZones ReturnFullTimeZoneData="false">{ids}</m:GetServerTimeZones>'))
    zones = reply.xml.findall(".//m:TimeZoneDefinitions/t:TimeZoneDefinition", NS)
    assert [(z.get("Id"), z.get("Name"), len(z)) for z in zones] == [
        ("Tokyo Standard Time", "(UTC+09:00) Tokyo", 0),
        ("UTC", "(UTC) UTC", 0),
    ]
