"""drand beacon rounds as a public source: randomness that exists only after its time, signed by
the League of Entropy's threshold key, so nobody (the organizer included) can choose or foresee it.

The specification fixes, at publication, the chain and the round: the first round published
more than ``GRACE`` after the close, so that the list is frozen before the round exists. The
value entered at the draw is the round's signature and its previous signature (what
``https://api.drand.sh/public/<round>`` returns, pasted as JSON or as two hex strings); its
canonical form is ``<signature hex> <previous signature hex>``. The signature is a BLS12-381
signature (``pedersen-bls-chained`` scheme: public key on G1, signature on G2, message
SHA-256(previous signature || round as 8-byte big-endian)), checked with the ``py_ecc`` package
when it is installed; the rest is standard library, and without it the verifier says plainly
that the signature was not checked.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: Between the close and the round: the freeze happens at the close (or the first request after
#: it); ten minutes leave the worker time to have frozen the list before the round exists.
GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Chain:
    name: str
    hash: str
    public_key: str
    genesis: int
    period: int

    def round_time(self, number: int) -> datetime:
        return datetime.fromtimestamp(self.genesis + (number - 1) * self.period, UTC)

    def first_round_after(self, instant: datetime) -> int:
        """The first round published strictly after ``instant``."""
        elapsed = int(instant.timestamp()) - self.genesis
        return max(1, elapsed // self.period + 2)


#: https://api.drand.sh/8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce/info
MAINNET = Chain(
    name="drand, League of Entropy mainnet",
    hash="8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    public_key="868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31",
    genesis=1595431050,
    period=30,
)
CHAINS = {MAINNET.hash: MAINNET}


class BadBeacon(ValueError):
    """Not a beacon value: the message says why."""


_HEX = re.compile(r"[0-9a-f]{192}")


def canonical(value: str, number: int | None = None) -> str:
    """``<signature> <previous signature>`` in lower-case hex from a pasted round (JSON from the
    drand API, or the two hex strings in that order)."""
    text = value.strip()
    if text.startswith("{"):
        try:
            pulse = json.loads(text)
            signature, previous = pulse["signature"], pulse["previous_signature"]
        except (ValueError, KeyError, TypeError):
            raise BadBeacon("a drand round in JSON has signature and previous_signature") from None
        if number is not None and pulse.get("round", number) != number:
            raise BadBeacon(f"this is round {pulse.get('round')}, not round {number}")
    else:
        parts = text.lower().replace(",", " ").split()
        if len(parts) != 2:
            raise BadBeacon("two hex strings expected: the signature, then the previous one")
        signature, previous = parts
    signature, previous = str(signature).lower(), str(previous).lower()
    if not (_HEX.fullmatch(signature) and _HEX.fullmatch(previous)):
        raise BadBeacon("each signature is 96 bytes in hex (192 characters)")
    return f"{signature} {previous}"


def randomness(value: str) -> str:
    """The round's randomness as drand publishes it: SHA-256 of the signature."""
    return hashlib.sha256(bytes.fromhex(value.split()[0])).hexdigest()


def verify(chain: Chain, number: int, value: str) -> bool | None:
    """Whether the canonical ``value`` is round ``number`` of ``chain``; None when ``py_ecc`` is
    not installed (the signature could not be checked)."""
    limit = sys.getrecursionlimit()
    try:
        from py_ecc.bls import G2Basic
    except ImportError:
        return None
    finally:
        # py_ecc raises the interpreter's recursion limit to 100,000 when imported: deep input
        # (a nested JSON upload) would then crash the process instead of raising RecursionError.
        sys.setrecursionlimit(limit)
    signature, previous = (bytes.fromhex(part) for part in value.split())
    message = hashlib.sha256(previous + number.to_bytes(8, "big")).digest()
    try:
        return bool(G2Basic.Verify(bytes.fromhex(chain.public_key), message, signature))
    except Exception:  # noqa: BLE001 - a malformed point is a signature that does not verify
        return False
