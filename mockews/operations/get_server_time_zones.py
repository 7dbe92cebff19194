"""GetServerTimeZones: the server's Windows time zone definitions (see
``store/timezones.py`` for where they come from).  Without ReturnFullTimeZoneData only
each zone's Id and Name; with it, Periods, TransitionsGroups and Transitions as
Exchange writes them.  An Id the server does not know answers ErrorTimeZone.
"""

from __future__ import annotations

from ..errors import ErrorTimeZone
from ..soap.render import el, esc
from ..soap.xml import children, m, parse_bool
from ..store.timezones import DayRule, ZoneDefinition, ZoneRule, all_definitions, definition
from .base import Operation

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class GetServerTimeZones(Operation):
    name = "GetServerTimeZones"
    mailbox_bound = False

    def execute(self) -> str:
        return self.single(lambda: self.ok(self.produce()))

    def produce(self) -> str:
        full = parse_bool(self.request.get("ReturnFullTimeZoneData", "true"))
        ids = [(e.text or "").strip() for e in children(self.request.find(m("Ids")))]
        zones = all_definitions() if not ids else [self.zone(i) for i in ids]
        return f"<m:TimeZoneDefinitions>{''.join(render_zone(z, full) for z in zones)}</m:TimeZoneDefinitions>"

    def zone(self, zone_id: str) -> ZoneDefinition:
        found = definition(zone_id)
        if found is None:
            raise ErrorTimeZone(f"The time zone {zone_id!r} is not known to the server.")
        return found


def _bias(minutes_east: int) -> str:
    """Windows biases are minutes *west* of UTC, as an xs:duration."""
    bias = -minutes_east
    return f"-PT{-bias}M" if bias < 0 else f"PT{bias}M"


def _day_transition(to: str, rule: DayRule) -> str:
    return (
        f'<t:RecurringDayTransition><t:To Kind="Period">{to}</t:To>{el("TimeOffset", f"PT{rule.minutes}M")}'
        f"{el('Month', str(rule.month))}{el('DayOfWeek', WEEKDAYS[rule.weekday])}"
        f"{el('Occurrence', str(rule.occurrence))}</t:RecurringDayTransition>"
    )


def _periods(group: str, rule: ZoneRule) -> str:
    out = f'<t:Period Bias="{_bias(rule.standard)}" Name="Standard" Id="std:{group}"/>'
    if rule.daylight is not None:
        out += f'<t:Period Bias="{_bias(rule.daylight)}" Name="Daylight" Id="dlt:{group}"/>'
    return out


def _group(group: str, rule: ZoneRule) -> str:
    if rule.daylight is None or rule.to_daylight is None or rule.to_standard is None:
        body = f'<t:Transition><t:To Kind="Period">std:{group}</t:To></t:Transition>'
    else:
        body = _day_transition(f"std:{group}", rule.to_standard) + _day_transition(f"dlt:{group}", rule.to_daylight)
    return f'<t:TransitionsGroup Id="{group}">{body}</t:TransitionsGroup>'


def render_zone(zone: ZoneDefinition, full: bool) -> str:
    head = f'<t:TimeZoneDefinition Id="{esc(zone.id)}" Name="{esc(zone.name)}"'
    if not full:
        return head + "/>"
    # group ids sort as text in time order: exchangelib orders Transitions by their To
    groups = [f"{n:02d}" for n in range(len(zone.eras))]
    periods = "".join(_periods(g, e.rule) for g, e in zip(groups, zone.eras, strict=True))
    transitions_groups = "".join(_group(g, e.rule) for g, e in zip(groups, zone.eras, strict=True))
    transitions = [f'<t:Transition><t:To Kind="Group">{groups[0]}</t:To></t:Transition>']
    for group, era in zip(groups[1:], zone.eras[1:], strict=True):
        assert era.start is not None
        transitions.append(
            f'<t:AbsoluteDateTransition><t:To Kind="Group">{group}</t:To>'
            f"{el('DateTime', era.start.strftime('%Y-%m-%dT%H:%M:%S'))}</t:AbsoluteDateTransition>"
        )
    return (
        f"{head}><t:Periods>{periods}</t:Periods><t:TransitionsGroups>{transitions_groups}</t:TransitionsGroups>"
        f"<t:Transitions>{''.join(transitions)}</t:Transitions></t:TimeZoneDefinition>"
    )
