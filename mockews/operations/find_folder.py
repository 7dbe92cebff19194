"""FindFolder: children (Shallow) or descendants (Deep) of each parent, paged."""

from __future__ import annotations

from ..errors import ErrorSchemaValidation
from ..soap.folders import parse_folder_shape, render_folder
from ..soap.paging import IndexedView, parse_indexed_view
from ..soap.render import boolean
from ..soap.xml import Element, m
from .base import Operation


class FindFolder(Operation):
    name = "FindFolder"

    def execute(self) -> str:
        traversal = self.request.get("Traversal", "Shallow")
        if traversal not in ("Shallow", "Deep", "SoftDeleted"):
            raise ErrorSchemaValidation(f"Traversal {traversal!r} is not valid.")
        shape = parse_folder_shape(self.request.find(m("FolderShape")))
        view = parse_indexed_view(self.request.find(m("IndexedPageFolderView")))
        if self.request.find(m("Restriction")) is not None:
            from ..soap.restriction import parse_folder_restriction

            predicate = parse_folder_restriction(self.request.find(m("Restriction")))
        else:
            predicate = None

        def one(parent_elem: Element) -> str:
            parent = self.folder(parent_elem)
            if traversal == "Deep":
                found = parent.walk()
            elif traversal == "Shallow":
                found = list(parent.children.values())
            else:
                found = []
            if predicate is not None:
                found = [f for f in found if predicate(f)]
            page, offset, last = view.page(found)
            folders = "".join(render_folder(f, shape, self.world) for f in page)
            return (
                f'<m:RootFolder IndexedPagingOffset="{offset}" TotalItemsInView="{len(found)}" '
                f'IncludesLastItemInRange="{boolean(last)}"><t:Folders>{folders}</t:Folders></m:RootFolder>'
            )

        return self.batch(self.folders(self.request.find(m("ParentFolderIds"))), one)


__all__ = ["FindFolder", "IndexedView"]
