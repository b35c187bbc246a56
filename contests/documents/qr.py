"""QR codes for posters and certificates, from the maintained `qrcode` package.

Error correction M (15 %) survives a crease or a smudge on a printed poster while keeping the
code small enough to scan from a distance; the quiet zone (4 modules) is the standard's.
"""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.svg import SvgPathFillImage


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> bytes:
    """A vector QR code (for print shops and PDFs)."""
    buffer = io.BytesIO()
    _code(url).make_image(image_factory=SvgPathFillImage).save(buffer)
    return buffer.getvalue()


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A raster QR code; ``box_size`` pixels per module (10 gives about 400 px for a short URL)."""
    code = _code(url)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_uri(url: str) -> str:
    """The SVG as a ``data:`` URL, the only kind of image the PDF renderer may load."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")
