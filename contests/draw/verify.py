"""Re-run a published draw offline: ``python -m contests.draw.verify RECORD.json ENTRANTS_FILE
[PARENT_ENTRANTS_FILE]``; or check an entrant's signed receipt against it (``--receipt
RECEIPT.json RECORD.json ENTRANTS_FILE``), a record's place in the transparency log (``--log
HEAD.json PROOF.json RECORD.json``), two log heads' consistency (``--consistency OLD.json
NEW.json PROOF.json``; see ``attestations``).

A supplementary draw's list is its parent draw's list less the entries its specification
excludes; given the parent's entrant file as well, the verifier checks that derivation too.

Standard library only. Prints PASS, or FAIL with the first check that does not hold; exits
0 or 1 (2 for unreadable input).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import protocol, sources, timing
from .attestations import verify_log, verify_log_consistency, verify_receipt
from .canonical import MalformedEntrantFile
from .checks import CheckFailed
from .checks import check as _check
from .timing import instant as _instant

__all__ = ["CheckFailed", "verify", "verify_log", "verify_log_consistency", "verify_receipt"]


def _verify_order(record: dict, weights) -> list[str]:
    """The order of events and the rules the specification sets: drawn after the close,
    substitutions after the draw and in time order, reasons from the allowed list, weights within
    the maximum."""
    spec = record["spec"]
    drawn_at = _instant(record.get("drawn_at"), "drawn_at")
    if spec.get("closes_at") is not None:
        _check(
            drawn_at >= _instant(spec["closes_at"], "closes_at"),
            "the draw is dated before the close the specification announces",
        )
    reasons = spec.get("substitution_reasons", protocol.SUBSTITUTION_REASONS)
    if record.get("frozen_at") is not None:
        frozen_at = _instant(record["frozen_at"], "frozen_at")
        _check(
            spec.get("closes_at") is None or frozen_at >= _instant(spec["closes_at"], "closes_at"),
            "the list is dated as frozen before the close",
        )
        _check(frozen_at <= drawn_at, "the list is dated as frozen after the draw")
    previous = drawn_at
    for number, substitution in enumerate(record["substitutions"], start=1):
        _check(
            substitution.get("reason") in reasons,
            f"substitution {number}: reason {substitution.get('reason')!r} is not one the "
            f"specification allows ({', '.join(reasons)})",
        )
        at = _instant(substitution.get("at"), f"substitution {number}'s date")
        _check(
            at >= previous,
            f"substitution {number} is dated before the draw or before the substitution it follows",
        )
        previous = at
    maximum = spec.get("max_weight", protocol.DEFAULT_MAX_WEIGHT)
    heaviest = max(weights, default=1)
    _check(
        heaviest <= maximum,
        f"an entrant holds {heaviest} tickets, over the {maximum} the specification allows",
    )
    return [
        "frozen at or after the close, drawn after it",
        "substitutions dated in order",
        "weights within the maximum",
    ]


def _verify_supplementary(spec: dict, entrant_file: bytes, parent_file: bytes | None) -> list[str]:
    """What a supplementary specification promises: prizes that are the vacancies it fills, and a
    list
    that is the parent's less the excluded entries."""
    supplementary = spec["supplementary"]
    replaces, excluded = supplementary["replaces"], supplementary["excluded"]
    positions = [vacancy["prize_position"] for vacancy in replaces]
    _check(
        positions == sorted(positions), "supplementary draw: the vacancies are not in prize order"
    )
    titles = {prize["position"]: prize["title"] for prize in spec["prizes"]}
    _check(
        protocol.supplementary_prizes(replaces, titles) == spec["prizes"],
        "supplementary draw: its prizes are not the vacancies it fills",
    )
    _check(
        {vacancy["entry_id"] for vacancy in replaces} <= set(excluded),
        "supplementary draw: an entry that lost its prize is not excluded",
    )
    passed = ["supplementary draw: prizes are the vacancies it fills"]
    if parent_file is None:
        passed.append(
            "supplementary draw: derivation from the parent list NOT checked "
            "(give the parent's entrant file as a third argument)"
        )
        return passed
    _check(
        protocol.sha256_hex(parent_file) == supplementary["parent_file_sha256"],
        "the parent entrant file's SHA-256 differs from the one the specification names",
    )
    _check(
        protocol.derive_entrants(parent_file, excluded) == entrant_file,
        "the entrant file is not the parent's list less the excluded entries",
    )
    passed.append("entrant file is the parent's list less the excluded entries")
    return passed


def verify(record: dict, entrant_file: bytes, parent_file: bytes | None = None) -> list[str]:
    """Return the checks that passed; raise CheckFailed naming the first that does not."""
    passed = []
    _check(
        record.get("protocol") == protocol.PROTOCOL and record.get("version") == protocol.VERSION,
        "unknown protocol or version",
    )
    spec = record["spec"]
    _check(
        spec.get("algorithm") in protocol.ALGORITHMS, f"unknown algorithm {spec.get('algorithm')!r}"
    )
    _check(
        protocol.spec_hash(spec) == record["spec_hash"],
        "spec_hash does not match the specification",
    )
    passed.append("specification hash")
    _check(
        protocol.commitment(record["server_secret"]) == spec["commitment"],
        "the revealed server secret does not match the published commitment",
    )
    passed.append("server secret matches the commitment")
    _check(
        len(record["entropy"]) == len(spec["entropy_sources"]),
        "the number of public entropy values differs from the sources named in the specification",
    )
    source_format = spec.get("source_format", sources.FREE)
    _check(
        source_format in sources.FORMATS or source_format in (sources.DRAND, sources.FREE),
        f"unknown source format {source_format!r}",
    )
    day = timing.lottery_day(spec, record)
    for number, value in enumerate(record["entropy"], start=1):
        _check(
            sources.is_canonical(source_format, value, day),
            f"public value {number} ({value!r}) is not written as the specification's "
            f"{source_format} format requires",
        )
    passed.append(f"public values in their canonical form ({source_format})")
    if source_format == sources.DRAND:
        passed.append(timing.verify_beacon(spec, record))
    if "lottery" in spec:
        passed.append(timing.verify_lottery(spec, record, source_format))
    if "supplementary" in spec:
        try:
            passed += _verify_supplementary(spec, entrant_file, parent_file)
        except MalformedEntrantFile as error:
            raise CheckFailed(f"parent entrant file: {error}") from None
    elif parent_file is not None:
        raise CheckFailed("a parent entrant file was given, but this is not a supplementary draw")
    try:
        frozen = protocol.FrozenList.from_file(entrant_file)
    except MalformedEntrantFile as error:
        raise CheckFailed(f"entrant file: {error}") from None
    try:
        summary, seed, ordered = protocol.recompute(
            spec, record["server_secret"], record["entropy"], frozen
        )
    except MalformedEntrantFile as error:
        raise CheckFailed(f"entrant file: {error}") from None
    except ValueError as error:
        raise CheckFailed(str(error)) from None
    for field, label in (
        ("file_sha256", "entrant file SHA-256"),
        ("count", "entrant count"),
        ("total_tickets", "total tickets"),
        ("merkle_root", "Merkle root"),
    ):
        _check(
            summary[field] == record["entrants"][field],
            f"{label} differs: file gives {summary[field]}, record says "
            f"{record['entrants'][field]}",
        )
        passed.append(label)
    passed += _verify_order(record, frozen.weights)
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
            protocol.substitute(
                replayed,
                substitution["replaced_entry_id"],
                substitution["reason"],
                substitution["at"],
            )
        except (ValueError, LookupError) as error:
            raise CheckFailed(f"substitution {number}: {error}") from None
        _check(
            replayed["substitutions"][-1] == substitution,
            f"substitution {number} does not take the next alternate in published order",
        )
    vacated = sum(1 for s in record["substitutions"] if s["by_entry_id"] is None)
    passed.append(
        f"{len(record['substitutions'])} substitution(s) in published order"
        + (f", {vacated} prize(s) left vacant once the alternates ran out" if vacated else "")
    )
    return passed


def _arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m contests.draw.verify",
        description="Re-run a published draw offline from its record and its entrant file; "
        "prints PASS or FAIL with the first check that does not hold "
        "(exit 0 or 1; 2 for unreadable input).",
    )
    parser.add_argument(
        "record",
        metavar="RECORD.json",
        nargs="?",
        help="the draw record (https://HOST/d/ID.json)",
    )
    parser.add_argument(
        "entrants",
        metavar="ENTRANTS_FILE",
        nargs="?",
        help="the entrant file (https://HOST/d/ID/entrants.txt)",
    )
    parser.add_argument(
        "parent",
        metavar="PARENT_ENTRANTS_FILE",
        nargs="?",
        help="for a supplementary draw: the earlier draw's entrant file, "
        "to check how its list was derived",
    )
    parser.add_argument(
        "--receipt",
        metavar="RECEIPT.json",
        help="an entrant's signed receipt: check that its entry is in the frozen list "
        "(instead of re-running the draw)",
    )
    parser.add_argument(
        "--log",
        nargs=2,
        metavar=("HEAD.json", "PROOF.json"),
        help="a signed head of the transparency log and the record's inclusion proof "
        "(https://HOST/transparency/proof.json?position=N&size=M): check that RECORD.json is in "
        "the log, byte for byte (no entrant file needed)",
    )
    parser.add_argument(
        "--consistency",
        nargs=3,
        metavar=("OLD_HEAD.json", "NEW_HEAD.json", "PROOF.json"),
        help="check that a newer signed head of the log extends an older one (no other argument)",
    )
    return parser, parser.parse_args(argv)


def _read_json(path: str):
    with open(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def _report(check, *args, success: str = "") -> int:
    try:
        passed = check(*args)
    except CheckFailed as error:
        print(f"FAIL: {error}")
        return 1
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        print(f"FAIL: malformed input ({type(error).__name__}: {error})")
        return 1
    for line in passed:
        print(f"{'NOTE' if 'NOT' in line else 'ok  '} {line}")
    print(f"PASS: {success}" if success else "PASS")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser, options = _arguments(argv)
    if options.consistency:
        try:
            documents = [_read_json(path) for path in options.consistency]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            print(f"cannot read input: {error}", file=sys.stderr)
            return 2
        return _report(verify_log_consistency, *documents)
    if options.record is None:
        parser.error("RECORD.json is needed (except with --consistency)")
    if options.log:
        try:
            with open(options.record, "rb") as handle:
                record_bytes = handle.read()
            head, proof = (_read_json(path) for path in options.log)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            print(f"cannot read input: {error}", file=sys.stderr)
            return 2
        return _report(verify_log, head, proof, record_bytes)
    if options.entrants is None:
        parser.error("ENTRANTS_FILE is needed (except with --log or --consistency)")
    args = [options.record, options.entrants] + ([options.parent] if options.parent else [])
    try:
        with open(args[0], "rb") as handle:
            record = json.loads(handle.read().decode("utf-8"))
        with open(args[1], "rb") as handle:
            entrant_file = handle.read()
        parent_file = None
        if len(args) == 3:
            with open(args[2], "rb") as handle:
                parent_file = handle.read()
        receipt = None
        if options.receipt:
            with open(options.receipt, "rb") as handle:
                receipt = json.loads(handle.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"cannot read input: {error}", file=sys.stderr)
        return 2
    if receipt is not None:
        took_part = f"entry {receipt.get('signed', {}).get('entry_id')} took part in this draw"
        return _report(verify_receipt, receipt, record, entrant_file, success=took_part)
    try:
        passed = verify(record, entrant_file, parent_file)
    except CheckFailed as error:
        print(f"FAIL: {error}")
        return 1
    except (KeyError, TypeError, ValueError) as error:
        print(f"FAIL: malformed record ({type(error).__name__}: {error})")
        return 1
    for check in passed:
        print(f"ok   {check}")
    print(
        f"PASS: {len(record['winners'])} winner(s) and {len(record['alternates'])} alternate(s) "
        f"recomputed "
        f"from {record['entrants']['count']} entrants"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
