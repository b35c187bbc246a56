"""The draw specification, the seed, and the record: how the pieces are hashed together."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable
from itertools import islice

from . import parallel, rfc3797
from .canonical import MalformedEntrantFile, canonical_json, parse_entrant_file, sha256_hex
from .frozen import FrozenList
from .select import ALGORITHM as VDRAW_V1

PROTOCOL = "contests-draw"
VERSION = 1
RFC3797 = "rfc3797"
ALGORITHMS = (VDRAW_V1, RFC3797)
#: Why a winner may lose a prize to the next alternate; a specification may name its own list
#: (``substitution_reasons``), otherwise these.
SUBSTITUTION_REASONS = ("unclaimed", "declined", "ineligible", "unreachable", "fraud")
#: Tickets per entrant when the specification sets no ``max_weight``.
DEFAULT_MAX_WEIGHT = 1


def spec_hash(spec: dict) -> str:
    """SHA-256 of the canonical JSON of the specification published before the close."""
    return sha256_hex(canonical_json(spec))


def commitment(server_secret_hex: str) -> str:
    """SHA-256 of the secret's bytes: published in the spec, the secret revealed at the draw."""
    return sha256_hex(bytes.fromhex(server_secret_hex))


def winners_count(spec: dict) -> int:
    return sum(prize["quantity"] for prize in spec["prizes"])


def compute_seed(
    spec_hash_hex: str, entrants_root_hex: str, server_secret_hex: str, entropy: list[str]
) -> bytes:
    """SHA-256 over the canonical JSON of everything that makes the draw unpredictable."""
    material = {
        "protocol": PROTOCOL,
        "spec_hash": spec_hash_hex,
        "entrants_root": entrants_root_hex,
        "server_secret": server_secret_hex,
        "entropy": list(entropy),
    }
    return hashlib.sha256(canonical_json(material)).digest()


def _hash(
    frozen: FrozenList, seed_for, wanted: int, workers: int | None, known_root: bytes | None = None
):
    """Hash the list (checking a file's lines), then select: (root, seed, smallest)."""
    if known_root is not None and frozen.read_as_arrays:
        # Frozen earlier, with its ids and weights: only the selection is left to do.
        seed = seed_for(known_root)
        return (
            known_root,
            seed,
            parallel.selection(seed, frozen.ids, frozen.weights, wanted, workers),
        )
    try:
        chunks = frozen.take_chunks()
        if chunks is not None:
            hashed = parallel.streamed_root_and_selection(chunks, seed_for, wanted, workers)
            frozen.received(hashed.data)
        else:
            hashed = parallel.merkle_root_and_selection(
                frozen.lines,
                frozen.ids if frozen.parsed else None,
                frozen.weights if frozen.parsed else None,
                seed_for,
                wanted,
                workers=workers,
                known_root=known_root,
            )
    except parallel.BadLine as error:
        raise MalformedEntrantFile(str(error)) from None
    frozen.sub_roots, frozen.sub_sizes = hashed.sub_roots, hashed.sub_sizes
    if not frozen.parsed:
        ids = hashed.ids
        if not all(map(operator.lt, ids, islice(ids, 1, None))):
            parse_entrant_file(frozen.file_bytes())  # names the first line out of order
        frozen.ids, frozen.weights, frozen.parsed = ids, hashed.weights, True
    return hashed.root, hashed.seed, hashed.smallest


def _summary(frozen: FrozenList, root: bytes) -> dict:
    return {
        "count": len(frozen),
        "total_tickets": sum(frozen.weights),
        "file_sha256": hashlib.sha256(frozen.file_bytes()).hexdigest(),
        "merkle_root": root.hex(),
    }


def summarize(frozen: FrozenList, workers: int | None = None) -> dict:
    """What is published of a list when it is frozen: count, tickets, file SHA-256, Merkle root."""
    root, _, _ = _hash(frozen, lambda root: b"", 0, workers)
    return _summary(frozen, root)


def recompute(
    spec: dict,
    server_secret_hex: str,
    entropy: list[str],
    frozen: FrozenList,
    workers: int | None = None,
    known_root: bytes | None = None,
) -> tuple[dict, bytes, list[dict]]:
    """The list's summary, the seed and the ordered result: what the draw publishes and the verifier
    redoes.

    Spread over the cores for large lists (``parallel``), with the same result as one core. The
    draw passes ``known_root`` for a list it froze (and whose SHA-256 it checked) itself; the
    verifier never does.
    """
    spec_digest = spec_hash(spec)
    wanted = winners_count(spec) + spec["alternates"]  # fewer when the list is shorter
    vdraw = spec["algorithm"] == VDRAW_V1
    if spec["algorithm"] not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {spec['algorithm']!r}")

    def seed_for(root: bytes) -> bytes:
        return compute_seed(spec_digest, root.hex(), server_secret_hex, entropy)

    root, seed, smallest = _hash(frozen, seed_for, wanted if vdraw else 0, workers, known_root)
    if vdraw:
        ordered = [{"entry_id": entry_id, "key": key.hex()} for key, entry_id in smallest]
    else:
        if any(weight != 1 for weight in frozen.weights):
            raise ValueError("RFC 3797 mode draws people, not tickets: every weight must be 1")
        positions = rfc3797.select(entropy, len(frozen), min(wanted, len(frozen)))
        ordered = [{"entry_id": frozen.ids[p - 1], "position": p} for p in positions]
    return _summary(frozen, root), seed, ordered


def split_result(spec: dict, ordered: list[dict]) -> tuple[list[dict], list[dict]]:
    """Give the first results the prizes, in prize order; the rest are ranked alternates."""
    winners = []
    slots = [prize["position"] for prize in spec["prizes"] for _ in range(prize["quantity"])]
    for rank, (item, prize_position) in enumerate(zip(ordered, slots, strict=False), start=1):
        winners.append({"rank": rank, "prize_position": prize_position, **item})
    alternates = [
        {"rank": rank, **item} for rank, item in enumerate(ordered[len(winners) :], start=1)
    ]
    return winners, alternates


def build_record(
    spec: dict,
    server_secret_hex: str,
    entropy: list[str],
    entrants,
    drawn_at: str,
    tool: str,
    workers: int | None = None,
    known_root: bytes | None = None,
) -> dict:
    """Everything a stranger needs, with the entrant file, to recompute the draw.

    ``entrants`` is a ``FrozenList``, or the canonical lines in entry id order
    (``EntrantRecord.encode()``); the entrant file is ``FrozenList.file_bytes()``.
    """
    frozen = entrants if isinstance(entrants, FrozenList) else FrozenList.from_lines(entrants)
    summary, seed, ordered = recompute(
        spec, server_secret_hex, entropy, frozen, workers, known_root
    )
    winners, alternates = split_result(spec, ordered)
    spec_digest = spec_hash(spec)
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
    """Replace a current winner by the next unused alternate, in published order. No new randomness.

    With no alternate left the prize becomes vacant (``by_entry_id`` null): only a supplementary
    draw, with its own commitment, may fill it (section 8 of docs/draw-protocol.md).
    """
    current = current_winners(record)
    if replaced_entry_id not in {w["entry_id"] for w in current}:
        raise ValueError(f"entry {replaced_entry_id} is not a current winner")
    left = alternates_left(record)
    alternate = record["alternates"][-left] if left else None
    record["substitutions"].append(
        {
            "replaced_entry_id": replaced_entry_id,
            "by_entry_id": alternate["entry_id"] if alternate else None,
            "alternate_rank": alternate["rank"] if alternate else None,
            "reason": reason,
            "at": at,
        }
    )
    return record


def current_winners(record: dict) -> list[dict]:
    """The winners after substitutions: each replaced winner's prize goes to its substitute.

    A prize left vacant (no alternate remained) has ``entry_id`` None and ``vacated`` set to the
    entry that lost it.
    """
    winners = [dict(w) for w in record["winners"]]
    for substitution in record["substitutions"]:
        for winner in winners:
            if (
                winner["entry_id"] is not None
                and winner["entry_id"] == substitution["replaced_entry_id"]
            ):
                if substitution["by_entry_id"] is None:
                    winner["entry_id"], winner["vacated"] = None, substitution["replaced_entry_id"]
                    winner.pop("substitutes", None)
                else:
                    winner["entry_id"] = substitution["by_entry_id"]
                    winner["substitutes"] = substitution["replaced_entry_id"]
                break
    return winners


def alternates_left(record: dict) -> int:
    """Alternates not yet called: each substitution that named one used the next in order."""
    return len(record["alternates"]) - sum(
        1 for s in record["substitutions"] if s["by_entry_id"] is not None
    )


def vacancies(record: dict) -> list[dict]:
    """The prizes left vacant, in the order they fell vacant: {entry_id (who lost it),
    prize_position}."""
    positions = {
        w["vacated"]: w["prize_position"] for w in current_winners(record) if w["entry_id"] is None
    }
    return [
        {"entry_id": s["replaced_entry_id"], "prize_position": positions[s["replaced_entry_id"]]}
        for s in record["substitutions"]
        if s["by_entry_id"] is None
    ]


def ranked_ids(record: dict) -> set[int]:
    """Every entry a draw ranked: its winners and all its alternates."""
    return {w["entry_id"] for w in record["winners"]} | {
        a["entry_id"] for a in record["alternates"]
    }


def supplementary_prizes(replaces: list[dict], titles: dict[int, str]) -> list[dict]:
    """The prizes a supplementary draw fills, grouped by the position they hold in the contest."""
    prizes: list[dict] = []
    for vacancy in replaces:
        if prizes and prizes[-1]["position"] == vacancy["prize_position"]:
            prizes[-1]["quantity"] += 1
        else:
            prizes.append(
                {
                    "position": vacancy["prize_position"],
                    "title": titles[vacancy["prize_position"]],
                    "quantity": 1,
                }
            )
    return prizes


def derive_entrants(parent_file: bytes, excluded: Iterable[int]) -> bytes:
    """A supplementary draw's entrant file: the parent's lines, in order, less the excluded ids."""
    dropped = set(excluded)
    lines = parse_entrant_file(
        parent_file
    )  # strict: a malformed parent file is an error, not a guess
    kept = [line for line in lines if int(line.split(b",", 1)[0]) not in dropped]
    return b"\n".join(kept) + b"\n" if kept else b""


def filled_vacancies(spec: dict, record: dict) -> list[dict]:
    """A supplementary draw's current winners, each with the vacated entry whose prize it fills
    (none for a first draw)."""
    replaces = spec.get("supplementary", {}).get("replaces", [])
    return [
        {**winner, "fills": vacancy["entry_id"]}
        for winner, vacancy in zip(current_winners(record), replaces, strict=False)
    ]
