"""The draw specification, the seed, and the record: how the pieces are hashed together."""
from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable

from . import merkle, rfc3797
from .canonical import canonical_json, sha256_hex
from .select import ALGORITHM as VDRAW_V1
from .select import select

PROTOCOL = "contests-draw"
VERSION = 1
RFC3797 = "rfc3797"
ALGORITHMS = (VDRAW_V1, RFC3797)


def spec_hash(spec: dict) -> str:
    """SHA-256 of the canonical JSON of the specification published before the close."""
    return sha256_hex(canonical_json(spec))


def commitment(server_secret_hex: str) -> str:
    """SHA-256 of the secret's bytes: published in the spec, the secret revealed at the draw."""
    return sha256_hex(bytes.fromhex(server_secret_hex))


def winners_count(spec: dict) -> int:
    return sum(prize["quantity"] for prize in spec["prizes"])


def compute_seed(spec_hash_hex: str, entrants_root_hex: str, server_secret_hex: str, entropy: list[str]) -> bytes:
    """SHA-256 over the canonical JSON of everything that makes the draw unpredictable."""
    material = {
        "protocol": PROTOCOL,
        "spec_hash": spec_hash_hex,
        "entrants_root": entrants_root_hex,
        "server_secret": server_secret_hex,
        "entropy": list(entropy),
    }
    return hashlib.sha256(canonical_json(material)).digest()


class Entrants:
    """The frozen list as the selection needs it: ids and weights in compact arrays (12 bytes each)."""

    def __init__(self):
        self.ids = array("Q")
        self.weights = array("I")

    def __len__(self) -> int:
        return len(self.ids)

    def pairs(self):
        return zip(self.ids, self.weights)


def entrants_summary(lines: Iterable[bytes], sink=None) -> tuple[dict, Entrants]:
    """Count, tickets, file hash and Merkle root of the frozen list, in one streamed pass.

    ``lines`` are the canonical lines without their LF (``EntrantRecord.encode()``); ``sink``,
    if given, receives each line of the entrant file as it is produced.
    """
    file_hash = hashlib.sha256()
    entrants = Entrants()
    ids, weights = entrants.ids, entrants.weights
    tickets = 0
    leaf_hash = merkle.leaf_hash

    def leaves():
        nonlocal tickets
        for line in lines:
            full = line + b"\n"
            file_hash.update(full)
            if sink is not None:
                sink(full)
            entry_id, weight, _ = line.split(b",", 2)
            weight = int(weight)
            ids.append(int(entry_id))
            weights.append(weight)
            tickets += weight
            yield leaf_hash(line)

    root = merkle.root_from_leaf_hashes(leaves())
    summary = {
        "count": len(entrants),
        "total_tickets": tickets,
        "file_sha256": file_hash.hexdigest(),
        "merkle_root": root.hex(),
    }
    return summary, entrants


def run_selection(spec: dict, seed: bytes, entrants: Entrants, entropy: list[str]) -> list[dict]:
    """The ordered result: winners then alternates, each with what proves its place."""
    wanted = min(winners_count(spec) + spec["alternates"], len(entrants))
    if spec["algorithm"] == VDRAW_V1:
        return [{"entry_id": s.entry_id, "key": s.key.hex()} for s in select(seed, entrants.pairs(), wanted)]
    if spec["algorithm"] == RFC3797:
        if any(weight != 1 for weight in entrants.weights):
            raise ValueError("RFC 3797 mode draws people, not tickets: every weight must be 1")
        positions = rfc3797.select(entropy, len(entrants), wanted)
        return [{"entry_id": entrants.ids[p - 1], "position": p} for p in positions]
    raise ValueError(f"unknown algorithm {spec['algorithm']!r}")


def split_result(spec: dict, ordered: list[dict]) -> tuple[list[dict], list[dict]]:
    """Give the first results the prizes, in prize order; the rest are ranked alternates."""
    winners = []
    slots = [prize["position"] for prize in spec["prizes"] for _ in range(prize["quantity"])]
    for rank, (item, prize_position) in enumerate(zip(ordered, slots), start=1):
        winners.append({"rank": rank, "prize_position": prize_position, **item})
    alternates = [{"rank": rank, **item} for rank, item in enumerate(ordered[len(winners):], start=1)]
    return winners, alternates


def build_record(spec: dict, server_secret_hex: str, entropy: list[str], lines: Iterable[bytes],
                 drawn_at: str, tool: str, sink=None) -> dict:
    """Everything a stranger needs, with the entrant file, to recompute the draw.

    ``lines`` are the frozen list's canonical lines in entry id order (``EntrantRecord.encode()``).
    """
    summary, entrants = entrants_summary(lines, sink)
    spec_digest = spec_hash(spec)
    seed = compute_seed(spec_digest, summary["merkle_root"], server_secret_hex, entropy)
    winners, alternates = split_result(spec, run_selection(spec, seed, entrants, entropy))
    return {
        "protocol": PROTOCOL,
        "version": VERSION,
        "spec": spec,
        "spec_hash": spec_digest,
        "entrants": summary,
        "server_secret": server_secret_hex,
        "entropy": list(entropy),
        "seed": seed.hex(),
        "winners": winners,
        "alternates": alternates,
        "substitutions": [],
        "drawn_at": drawn_at,
        "tool": tool,
    }


def substitute(record: dict, replaced_entry_id: int, reason: str, at: str) -> dict:
    """Replace a current winner by the next unused alternate, in published order. No new randomness."""
    current = current_winners(record)
    if replaced_entry_id not in {w["entry_id"] for w in current}:
        raise ValueError(f"entry {replaced_entry_id} is not a current winner")
    used = len(record["substitutions"])
    if used >= len(record["alternates"]):
        raise LookupError("no alternate left: a supplementary draw with a new commitment is needed")
    alternate = record["alternates"][used]
    record["substitutions"].append({
        "replaced_entry_id": replaced_entry_id,
        "by_entry_id": alternate["entry_id"],
        "alternate_rank": alternate["rank"],
        "reason": reason,
        "at": at,
    })
    return record


def current_winners(record: dict) -> list[dict]:
    """The winners after substitutions: each replaced winner's prize goes to its substitute."""
    winners = [dict(w) for w in record["winners"]]
    for substitution in record["substitutions"]:
        for winner in winners:
            if winner["entry_id"] == substitution["replaced_entry_id"]:
                winner["entry_id"] = substitution["by_entry_id"]
                winner["substitutes"] = substitution["replaced_entry_id"]
                break
    return winners
