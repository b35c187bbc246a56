"""The verifier's checks of what the server signs with its Ed25519 key: an entrant's receipt
(its entry is in the frozen list), a record's place in the transparency log under a signed head,
and the consistency of two heads. The signatures need the ``cryptography`` package; without it,
each check says plainly that the signature was not checked, and the rest still runs on the
standard library alone.
"""

from __future__ import annotations

import hashlib

from . import merkle
from .canonical import canonical_json
from .checks import CheckFailed
from .checks import check as _check


def check_signature(document: dict, what: str) -> str:
    """Check an Ed25519 signature (``contests.signing``) with the ``cryptography`` package when
    it is installed; the rest of the verifier needs nothing but the standard library, so without
    it this says so. The key's fingerprint is checked either way."""
    _check(
        hashlib.sha256(bytes.fromhex(document["public_key"])).hexdigest()
        == document["key_fingerprint"],
        f"the {what}'s key fingerprint is not the SHA-256 of its public key",
    )
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return f"{what} signature NOT checked: install the cryptography package to check it"
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(document["public_key"]))
        key.verify(bytes.fromhex(document["signature"]), canonical_json(document["signed"]))
    except (InvalidSignature, ValueError):
        raise CheckFailed(f"the {what}'s signature is not valid") from None
    return f"{what} signature (Ed25519)"


def verify_log(head: dict, proof: dict, record_bytes: bytes) -> list[str]:
    """A record, byte for byte, is in the transparency log under a signed head (its inclusion
    proof, RFC 6962)."""
    passed = [check_signature(head, "log head")]
    signed = head["signed"]
    _check(signed.get("type") == "contests-log-head", "not a transparency log head")
    entry = proof["entry"]
    _check(
        entry["record_sha256"] == hashlib.sha256(record_bytes).hexdigest(),
        "the log entry is for another record (its SHA-256 differs)",
    )
    _check(
        proof["size"] == signed["size"] and entry["position"] == proof["position"],
        "the proof is for another size or position than the head's",
    )
    _check(
        merkle.verify_inclusion(
            canonical_json(entry),
            proof["position"],
            signed["size"],
            [bytes.fromhex(node) for node in proof["proof"]],
            bytes.fromhex(signed["root"]),
        ),
        "the record is not in the log under this head (inclusion proof fails)",
    )
    passed.append(f"record is entry {entry['position']} of the {signed['size']} under this head")
    return passed


def verify_log_consistency(old: dict, new: dict, proof: dict) -> list[str]:
    """A newer signed head extends an older one: the log kept its past (RFC 6962 consistency)."""
    passed = [check_signature(old, "older log head"), check_signature(new, "newer log head")]
    _check(old["key_fingerprint"] == new["key_fingerprint"], "the heads are signed by two keys")
    first, second = old["signed"]["size"], new["signed"]["size"]
    _check(
        (proof["first"], proof["second"]) == (first, second),
        "the proof is for other sizes than the heads'",
    )
    _check(
        merkle.verify_consistency(
            first,
            second,
            bytes.fromhex(old["signed"]["root"]),
            bytes.fromhex(new["signed"]["root"]),
            [bytes.fromhex(node) for node in proof["proof"]],
        ),
        "the newer log does not contain the older one: its past was changed",
    )
    passed.append(f"the log of {second} entries extends the one of {first}")
    return passed


def verify_receipt(receipt: dict, record: dict, entrant_file: bytes) -> list[str]:
    """A signed receipt's entry is in the draw's frozen list; raise CheckFailed if not (the
    receipt then proves that an entry the server accepted is missing)."""
    passed = [check_signature(receipt, "receipt")]
    spec = record["spec"]
    named = spec.get("receipt_key")
    if named is None:
        passed.append("key NOT checked: this draw's specification names no receipt key")
    else:
        _check(
            receipt["key_fingerprint"] == named,
            "the receipt was signed by another key than the one the specification names",
        )
        passed.append("signed by the key the specification names")
    signed = receipt["signed"]
    # A receipt signed before an amendment of the closing date names the commitment it replaced.
    _check(
        signed.get("draw_spec_hash") in [record["spec_hash"], *spec.get("supersedes", [])],
        "the receipt is for another draw specification",
    )
    _check(
        hashlib.sha256(entrant_file).hexdigest() == record["entrants"]["file_sha256"],
        "the entrant file is not the one the record publishes",
    )
    passed.append("entrant file is the record's")
    line = signed["line"].encode("ascii")
    lines = entrant_file.split(b"\n")
    _check(
        line in lines,
        f"entry {signed['entry_id']} is not in the frozen list, though the server accepted it "
        f"on {signed['accepted_at']}: the organizer must say why it was left out",
    )
    passed.append(f"entry {signed['entry_id']} is line {lines.index(line) + 1} of the frozen list")
    return passed
