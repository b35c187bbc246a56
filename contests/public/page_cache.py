"""Rendered public pages kept in memory, with a slot for the per-visitor form token.

A published contest's terms are frozen, so its page changes only with its phase and its
row's ``updated_at``; those are in the key. Rendering (WTForms widgets, macros, money and date
formatting) is most of the cost of the page, and the benchmark measures it against a bare
template render. Only the signed form token differs between visitors: it is put in per request.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ..extensions import app_cache

#: Stands in for the token while rendering; random so no organizer text can contain it.
TOKEN_SLOT = f"form-token-slot-{secrets.token_hex(12)}"


class RenderedPages:
    def __init__(self, max_entries: int = 256):
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def page(self, key: Hashable, render: Callable[[], str], token: str) -> str:
        """The page for ``key`` (rendered once), with this visitor's token in its slot."""
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
        if html is None:
            html = render()
            with self._lock:
                self._pages[key] = html
                while len(self._pages) > self.max_entries:
                    self._pages.popitem(last=False)
        return html.replace(TOKEN_SLOT, token)


def contest_pages() -> RenderedPages:
    """The running app's rendered contest pages."""
    return app_cache("contests.contest_pages", RenderedPages)
