"""HTML to PDF with WeasyPrint, fenced in: organizer text can never make it read a file or the
network.

Everything a document needs (styles, QR codes) is inline or a ``data:`` URL; the only files it may
read are the package's own static assets. Any other URL (``file:///etc/passwd``, ``http://...``,
``ftp://...``) is refused before WeasyPrint opens it, and the resource is simply left out.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher

#: The one folder documents may read files from.
ASSETS = (Path(__file__).resolve().parent.parent / "static").resolve()

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A document asked for a resource outside what it is allowed to read."""


class SafeURLFetcher(URLFetcher):
    """Serve ``data:`` URLs and files under contests/static/; refuse everything else."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_relative_to(ASSETS) and path.is_file():
                return super().fetch(url, headers)
        log.warning("document resource refused: %.200s", url)
        raise RefusedURL(f"resource refused: {url[:200]}")


#: Every document a client may have to keep for years (rules, certificates, reports) is PDF/A-3a:
#: archival (fonts embedded, an sRGB output intent, XMP metadata naming the standard) and tagged
#: for accessibility (the "a" level: a structure tree, headings, tables and their reading order,
#: the document's language and title).
PDF_VARIANT = "pdf/a-3a"


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML document (styles inline) to PDF bytes, as PDF/A-3a."""
    return HTML(
        string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=SafeURLFetcher()
    ).write_pdf(pdf_variant=PDF_VARIANT)
