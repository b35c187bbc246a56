"""Re-run a published draw offline: ``python -m contests.draw.verify RECORD.json ENTRANTS_FILE``.

Standard library only. Prints PASS, or FAIL with the first check that does not hold; exits
0 or 1 (2 for unreadable input).
"""
from __future__ import annotations

import json
import sys

from . import protocol
from .canonical import MalformedEntrantFile


class CheckFailed(Exception):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def verify(record: dict, entrant_file: bytes) -> list[str]:
    """Return the checks that passed; raise CheckFailed naming the first that does not."""
    passed = []
    _check(record.get("protocol") == protocol.PROTOCOL and record.get("version") == protocol.VERSION,
           "unknown protocol or version")
    spec = record["spec"]
    _check(spec.get("algorithm") in protocol.ALGORITHMS, f"unknown algorithm {spec.get('algorithm')!r}")
    _check(protocol.spec_hash(spec) == record["spec_hash"], "spec_hash does not match the specification")
    passed.append("specification hash")
    _check(protocol.commitment(record["server_secret"]) == spec["commitment"],
           "the revealed server secret does not match the published commitment")
    passed.append("server secret matches the commitment")
    _check(len(record["entropy"]) == len(spec["entropy_sources"]),
           "the number of public entropy values differs from the sources named in the specification")
    try:
        frozen = protocol.FrozenList.from_file(entrant_file)
    except MalformedEntrantFile as error:
        raise CheckFailed(f"entrant file: {error}") from None
    try:
        summary, seed, ordered = protocol.recompute(spec, record["server_secret"], record["entropy"], frozen)
    except MalformedEntrantFile as error:
        raise CheckFailed(f"entrant file: {error}") from None
    except ValueError as error:
        raise CheckFailed(str(error)) from None
    for field, label in (("file_sha256", "entrant file SHA-256"), ("count", "entrant count"),
                         ("total_tickets", "total tickets"), ("merkle_root", "Merkle root")):
        _check(summary[field] == record["entrants"][field], f"{label} differs: file gives {summary[field]}, record says {record['entrants'][field]}")
        passed.append(label)
    _check(seed.hex() == record["seed"], "seed differs")
    passed.append("seed")
    winners, alternates = protocol.split_result(spec, ordered)
    _check(winners == record["winners"], "winners differ from the recomputed selection")
    passed.append("winners")
    _check(alternates == record["alternates"], "alternates differ from the recomputed selection")
    passed.append("alternates")
    replayed = {**record, "substitutions": []}
    for number, substitution in enumerate(record["substitutions"], start=1):
        try:
            protocol.substitute(replayed, substitution["replaced_entry_id"], substitution["reason"], substitution["at"])
        except (ValueError, LookupError) as error:
            raise CheckFailed(f"substitution {number}: {error}") from None
        _check(replayed["substitutions"][-1] == substitution,
               f"substitution {number} does not take the next alternate in published order")
    passed.append(f"{len(record['substitutions'])} substitution(s) in published order")
    return passed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m contests.draw.verify RECORD.json ENTRANTS_FILE", file=sys.stderr)
        return 2
    try:
        with open(args[0], "rb") as handle:
            record = json.loads(handle.read().decode("utf-8"))
        with open(args[1], "rb") as handle:
            entrant_file = handle.read()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"cannot read input: {error}", file=sys.stderr)
        return 2
    try:
        passed = verify(record, entrant_file)
    except CheckFailed as error:
        print(f"FAIL: {error}")
        return 1
    except (KeyError, TypeError, ValueError) as error:
        print(f"FAIL: malformed record ({type(error).__name__}: {error})")
        return 1
    for check in passed:
        print(f"ok   {check}")
    print(f"PASS: {len(record['winners'])} winner(s) and {len(record['alternates'])} alternate(s) recomputed "
          f"from {record['entrants']['count']} entrants")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
