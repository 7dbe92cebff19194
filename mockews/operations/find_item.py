"""FindItem: a folder's items filtered by a Restriction, sorted by SortOrder, paged by
IndexedPageItemView — or a CalendarView window: the single items and the occurrences
of recurring masters overlapping it (masters themselves are not returned, as on
Exchange), sorted by start."""

from __future__ import annotations

from ..errors import ErrorInvalidOperation, ErrorSchemaValidation, ErrorUnsupportedPathForQuery
from ..soap.item_properties import RenderContext, parse_datetime
from ..soap.items import parse_item_shape, render_item
from ..soap.paging import MAX_PAGE, parse_indexed_view
from ..soap.render import boolean
from ..soap.restriction import parse_item_restriction, parse_sort_order, sort_items
from ..soap.xml import Element, m, parse_int
from ..store import occurrences
from ..store.model import CalendarItem, Item
from .base import Operation


class FindItem(Operation):
    name = "FindItem"

    def execute(self) -> str:
        traversal = self.request.get("Traversal", "Shallow")
        if traversal not in ("Shallow", "SoftDeleted", "Associated"):
            raise ErrorInvalidOperation(f"Traversal {traversal!r} is only valid on search folders.")
        if self.request.find(m("QueryString")) is not None:
            raise ErrorInvalidOperation("QueryString (AQS) searches are not supported by this server.")
        shape = parse_item_shape(self.request.find(m("ItemShape")))
        try:
            predicate = parse_item_restriction(self.request.find(m("Restriction")))
            sort_keys = parse_sort_order(self.request.find(m("SortOrder")))
        except ErrorUnsupportedPathForQuery as exc:
            return self._refuse_each_folder(exc)
        calendar = self.request.find(m("CalendarView"))
        view = parse_indexed_view(self.request.find(m("IndexedPageItemView")))
        ctx = RenderContext(self.world, truncate=True)

        def one(parent_elem: Element) -> str:
            folder = self.folder(parent_elem)
            found: list[Item] = [] if traversal != "Shallow" else list(folder.items.values())
            if predicate is not None:
                found = [i for i in found if predicate(i)]
            if calendar is not None:
                found, last = self._calendar_window(found, calendar)
                rendered = "".join(render_item(i, shape, ctx) for i in found)
                return (
                    f'<m:RootFolder TotalItemsInView="{len(found)}" IncludesLastItemInRange="{boolean(last)}">'
                    f"<t:Items>{rendered}</t:Items></m:RootFolder>"
                )
            if sort_keys:
                found = sort_items(found, sort_keys)
            page, offset, last = view.page(found)
            rendered = "".join(render_item(i, shape, ctx) for i in page)
            return (
                f'<m:RootFolder IndexedPagingOffset="{offset}" TotalItemsInView="{len(found)}" '
                f'IncludesLastItemInRange="{boolean(last)}"><t:Items>{rendered}</t:Items></m:RootFolder>'
            )

        return self.batch(self.folders(self.request.find(m("ParentFolderIds"))), one)

    def _refuse_each_folder(self, exc: ErrorUnsupportedPathForQuery) -> str:
        """Exchange answers an unsearchable property in each folder's ResponseMessage,
        not as a SOAP fault."""

        def refuse(_: Element) -> str:
            raise exc

        return self.batch(self.folders(self.request.find(m("ParentFolderIds"))), refuse)

    @staticmethod
    def _calendar_window(items: list[Item], view: Element) -> tuple[list[Item], bool]:
        start = parse_datetime(view.get("StartDate"))
        end = parse_datetime(view.get("EndDate"))
        if end < start:
            raise ErrorSchemaValidation("CalendarView EndDate is earlier than StartDate.")
        limit_text = view.get("MaxEntriesReturned")
        limit = MAX_PAGE if limit_text is None else parse_int(limit_text, "MaxEntriesReturned")
        hits: list[CalendarItem] = []
        for i in items:
            if not isinstance(i, CalendarItem) or i.kind != "CalendarItem":
                continue  # meeting messages carry a meeting but are not on the calendar
            if i.recurrence is not None:
                hits.extend(occurrences.between(i, start, end))
            elif i.start < end and i.end >= start:  # one ending at the view's start is in it, as on Exchange
                hits.append(i)
        hits.sort(key=lambda i: (i.start, i.id))
        return list[Item](hits[:limit]), len(hits) <= limit
