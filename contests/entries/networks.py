"""Networks an organizer trusts for a contest: a kiosk at the venue, the museum's Wi-Fi.

Many entries from one address within minutes is a fraud signal (``submission``'s burst), except
where many people share the address on purpose; there the signal is only noise that buries the
real ones, so entries from a trusted network are not flagged as a burst, and saving the list clears
the burst signals it explains (each change audited). Phone and household signals still apply.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Contest, Entry, User

MAX_NETWORKS = 50


def parse_networks(text: str) -> list[str]:
    """One address or CIDR per line (IPv4 or IPv6), normalized; ValidationFailed names the line."""
    networks = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            networks.append(str(ipaddress.ip_network(line, strict=False)))
        except ValueError:
            raise ValidationFailed(
                {
                    "trusted_networks": [
                        _l(
                            "Line %(n)d: “%(value)s” is not an address or a network such as "
                            "192.0.2.0/24.",
                            n=number,
                            value=line[:60],
                        )
                    ]
                }
            ) from None
    if len(networks) > MAX_NETWORKS:
        raise ValidationFailed(
            {"trusted_networks": [_l("At most %(n)d networks.", n=MAX_NETWORKS)]}
        )
    return list(dict.fromkeys(networks))


@lru_cache(maxsize=256)
def _networks(text: str) -> tuple:
    return tuple(ipaddress.ip_network(line, strict=False) for line in text.splitlines() if line)


def is_trusted(contest: Contest, address: str) -> bool:
    """Whether an entry's address is in one of the contest's trusted networks."""
    if not contest.trusted_networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(contest.trusted_networks))


def set_trusted_networks(contest: Contest, text: str, actor: User, now: datetime) -> int:
    """Save the list; clear the burst signals it explains; return how many entries that cleared."""
    contest.trusted_networks = "\n".join(parse_networks(text))
    cleared = 0
    flagged = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.flags.like("%ip_burst%"))
    ).scalars()
    for entry in flagged:
        if is_trusted(contest, entry.ip_address):
            entry.flags = ",".join(f for f in entry.flag_list if f != "ip_burst")
            entry.flag_cleared_at, entry.flag_cleared_by_id = now, actor.id
            cleared += 1
    audit.record(
        "contest.trusted_networks",
        actor=actor,
        contest=contest,
        networks=contest.trusted_networks.splitlines(),
        bursts_cleared=cleared,
    )
    db.session.flush()
    return cleared
