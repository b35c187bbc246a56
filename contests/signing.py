"""The server's Ed25519 key: what it signs, anyone can check with the published public key.

Entrants' receipts are signed with it, so that an entrant holding one can prove to anybody that
the server accepted their entry, and therefore that it was removed if the frozen list lacks it.
The key is the 32-byte seed ``SIGNING_KEY`` (hex; generated once into ``instance/signing_key``);
its fingerprint, SHA-256 of the raw public key, is named in each draw specification published
since. Signatures are deterministic (RFC 8032): the same payload always gives the same bytes,
so a receipt can be signed again on demand instead of being stored.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .draw.attestations import check_signature
from .draw.canonical import canonical_json
from .draw.checks import CheckFailed


def _private(seed_hex: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)[:32])


def public_key(seed_hex: str) -> bytes:
    """The raw 32-byte public key of the seed."""
    return _private(seed_hex).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(public: bytes) -> str:
    """What a specification names: SHA-256 of the raw public key, in hex."""
    return hashlib.sha256(public).hexdigest()


def sign(seed_hex: str, payload: dict) -> dict:
    """``payload`` with the public key, its fingerprint and the signature over its canonical JSON
    (``contests.draw.canonical``: sorted keys, no spaces, ASCII)."""
    public = public_key(seed_hex)
    return {
        "signed": payload,
        "public_key": public.hex(),
        "key_fingerprint": fingerprint(public),
        "signature": _private(seed_hex).sign(canonical_json(payload)).hex(),
    }


def check(document: dict) -> bool:
    """Whether a document made by ``sign`` carries a valid signature by the key it names (the
    verifier's own check, ``draw.attestations``)."""
    try:
        check_signature(document, "document")
    except (CheckFailed, KeyError, TypeError, ValueError):
        return False
    return True
