"""The entry form embedded in an organizer's site: who may frame it, its colors and logo,
attribution.

Pure checks and one domain function; the views in public/ and admin/ only call them.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from markupsafe import escape

from .. import audit
from ..errors import ValidationFailed
from ..models import Contest, Prize, User

_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")
_COLOR = re.compile(r"^#[0-9a-f]{6}$")
#: Uploaded logos: what Pillow may open, how big the upload and the stored picture may be.
LOGO_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
LOGO_MAX_BYTES = 512 * 1024
LOGO_BOX = (600, 200)
#: A prize's picture on the public page: at most this box, and this many bytes uploaded.
PICTURE_BOX = (800, 600)
PICTURE_MAX_BYTES = 2 * 1024 * 1024
#: Decoded, a picture costs about 4 bytes a pixel: 12 megapixels (a phone photo) is the most.
LOGO_MAX_PIXELS = 12_000_000
MAX_ORIGINS = 20
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


@dataclass(frozen=True)
class Snippets:
    """The HTML an organizer pastes on a client's page, as plain text to show in a text box."""

    script: str
    iframe: str


def snippets(base: str, slug: str, title: str) -> Snippets:
    """The script and iframe snippets, organizer text escaped for the attribute or text it sits in.

    They are shown as text (escaped once more by the admin page) and pasted as HTML on the
    client's site: a title such as ``"><img src=x onerror=...>`` must stay text there too.
    """
    base, slug, title = escape(base), escape(slug), escape(title)
    return Snippets(
        script=f'<a href="{base}/c/{slug}" data-contests-link>{title}</a>\n'
        f'<script src="{base}/embed.js" data-contest="{slug}" data-title="{title}" async></script>',
        iframe=f'<iframe src="{base}/embed/{slug}" title="{title}" width="100%" height="1100" '
        'style="border:0" loading="lazy"></iframe>',
    )


def parse_origins(text: str) -> list[str]:
    """Read one origin per line (``https://www.musee.fr``); raise with every line that is not
    one."""
    origins, bad = [], []
    for line in (text or "").splitlines():
        value = line.strip().lower().rstrip("/")
        if not value:
            continue
        if _ORIGIN.match(value):
            if value not in origins:
                origins.append(value)
        else:
            bad.append(line.strip())
    if bad:
        raise ValidationFailed(
            {
                "embed_origins": [
                    _l(
                        "Not an origin (scheme and host only, e.g. https://www.example.org): "
                        "%(values)s",
                        values=", ".join(bad[:5]),
                    )
                ]
            }
        )
    if len(origins) > MAX_ORIGINS:
        raise ValidationFailed({"embed_origins": [_l("At most %(n)d sites.", n=MAX_ORIGINS)]})
    return origins


def allowed_origins(contest: Contest) -> list[str]:
    return [line.strip() for line in contest.embed_origins.splitlines() if line.strip()]


def frame_ancestors(contest: Contest) -> str:
    """The CSP frame-ancestors of the embed page: the listed sites, or any site when none is
    listed."""
    origins = allowed_origins(contest)
    return " ".join(["'self'", *origins]) if origins else "*"


def origin_of(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def host_allowed(contest: Contest, host_page: str) -> bool:
    """May the form be shown on (and sent from) this host page? Unknown hosts pass when no list is
    set."""
    origins = allowed_origins(contest)
    if not origins:
        return True
    return origin_of(host_page) in origins


def attribution(host_page: str, params: dict[str, str]) -> str:
    """The host page and utm_* parameters as stored with an entry (JSON, bounded, printable)."""
    data = {}
    origin = origin_of(host_page)
    if origin:
        data["host"] = host_page[:300]
    for key in UTM_KEYS:
        value = "".join(ch for ch in (params.get(key) or "")[:100] if ch.isprintable())
        if value:
            data[key] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""


def is_color(value: str) -> bool:
    return bool(_COLOR.match(value or ""))


def _relative_luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(color: str, other: str) -> float:
    """WCAG 2.1 contrast ratio between two ``#rrggbb`` colors."""
    a, b = sorted((_relative_luminance(color), _relative_luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


#: The color is used for buttons (white text on it) and for links on the page background.
_READ_AGAINST = ("#ffffff", "#f7f8fa")


def check_color(value: str) -> str:
    """A ``#rrggbb`` color that keeps text readable (WCAG AA, 4.5:1) on buttons and links, or
    raise."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    if not _COLOR.match(value):
        raise ValidationFailed({"brand_color": [_l("Write the color as #rrggbb, e.g. #1d4ed8.")]})
    ratio = min(contrast(value, other) for other in _READ_AGAINST)
    if ratio < 4.5:
        raise ValidationFailed(
            {
                "brand_color": [
                    _l(
                        "Text on this color is hard to read "
                        "(contrast %(ratio).1f:1, at least 4.5:1 needed). Choose a darker color.",
                        ratio=ratio,
                    )
                ]
            }
        )
    return value


def normalize_logo(data: bytes) -> bytes:
    """The logo, re-encoded (``normalize_picture``) to fit 600 x 200."""
    return normalize_picture(data, LOGO_BOX, "logo", LOGO_MAX_BYTES)


def normalize_picture(data: bytes, box: tuple[int, int], field: str, max_bytes: int) -> bytes:
    """Re-encode an uploaded picture as a PNG fitting ``box`` (no metadata, no script), or raise
    with the error under ``field``.

    Memory is what a picture costs once decoded, not its file size: a 5000 x 5000 PNG of 100 KB
    took 290 MB to re-encode. So the header's dimensions are checked before anything is decoded
    (at most LOGO_MAX_PIXELS), JPEGs are decoded straight at a reduced scale (``draft``), and the
    picture is shrunk before it is converted to RGBA, never after.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes:
        raise ValidationFailed(
            {field: [_l("The picture is larger than %(kb)d KB.", kb=max_bytes // 1024)]}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in LOGO_FORMATS:
                raise UnidentifiedImageError(probe.format)
            width, height = probe.size
            probe.verify()
        if width * height > LOGO_MAX_PIXELS:
            raise ValidationFailed(
                {
                    field: [
                        _l(
                            "This picture is %(width)d x %(height)d pixels; send one of at most "
                            "%(mp)d megapixels.",
                            width=width,
                            height=height,
                            mp=LOGO_MAX_PIXELS // 1_000_000,
                        )
                    ]
                }
            )
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (box[0] * 2, box[1] * 2))  # JPEG only: decode scaled down
            image.thumbnail(box, reducing_gap=2.0)
            small = image.convert("RGBA")
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(
            {field: [_l("This file is not a PNG, JPEG, GIF or WebP picture.")]}
        ) from None
    return out.getvalue()


def check_sender(name: str, reply_to: str) -> tuple[str, str]:
    """A From display name on one line and a Reply-To address, or raise."""
    from email_validator import EmailNotValidError, validate_email

    name, reply_to = " ".join((name or "").split()), (reply_to or "").strip()
    errors = {}
    if len(name) > 200:
        errors["mail_sender_name"] = [_l("At most %(count)d characters.", count=200)]
    if reply_to:
        try:
            validate_email(reply_to, check_deliverability=False)
        except EmailNotValidError:
            errors["mail_reply_to"] = [
                _l("Enter a valid email address, such as contact@example.org.")
            ]
        if len(reply_to) > 254:
            errors["mail_reply_to"] = [_l("At most %(count)d characters.", count=254)]
    if errors:
        raise ValidationFailed(errors)
    return name, reply_to


def update_embed_settings(
    contest: Contest,
    origins_text: str,
    color: str,
    logo: bytes | None,
    remove_logo: bool,
    actor: User | None,
    sender: tuple[str, str] | None = None,
) -> Contest:
    """Save who may embed the form, how it looks and who its mails come from (``sender``: display
    name and Reply-To; None leaves them); allowed at any time (not part of the rules)."""
    errors: dict[str, list] = {}
    checked: dict[str, object] = {}
    for name, check in (
        ("embed_origins", lambda: parse_origins(origins_text)),
        ("brand_color", lambda: check_color(color)),
        ("logo", lambda: normalize_logo(logo) if logo else None),
        ("sender", lambda: check_sender(*sender) if sender is not None else None),
    ):
        try:
            checked[name] = check()
        except ValidationFailed as error:
            errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    contest.embed_origins = "\n".join(checked["embed_origins"])
    contest.brand_color = checked["brand_color"]
    if checked["logo"]:
        contest.logo_png = checked["logo"]
        contest.logo_sha256 = hashlib.sha256(contest.logo_png).hexdigest()
    elif remove_logo:
        contest.logo_png, contest.logo_sha256 = None, ""
    if checked["sender"] is not None:
        contest.mail_sender_name, contest.mail_reply_to = checked["sender"]
    audit.record(
        "contest.embed_updated",
        actor=actor,
        contest=contest,
        origins=allowed_origins(contest),
        brand_color=contest.brand_color,
        logo_sha256=contest.logo_sha256,
        sender_name=contest.mail_sender_name,
        reply_to=contest.mail_reply_to,
    )
    return contest


def set_prize_picture(prize: Prize, data: bytes | None, remove: bool, actor: User | None) -> Prize:
    """Give a prize its picture for the public page (re-encoded as an upload of the logo is), or
    take it away. Not part of the rules: allowed at any time."""
    if data:
        prize.picture_png = normalize_picture(data, PICTURE_BOX, "picture", PICTURE_MAX_BYTES)
        prize.picture_sha256 = hashlib.sha256(prize.picture_png).hexdigest()
    elif remove:
        prize.picture_png, prize.picture_sha256 = None, ""
    else:
        return prize
    audit.record(
        "prize.picture_updated",
        actor=actor,
        contest=prize.contest,
        prize_id=prize.id,
        sha256=prize.picture_sha256,
    )
    return prize
