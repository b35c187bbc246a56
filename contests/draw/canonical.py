"""Canonical encodings: the bytes that every hash in a draw is computed over."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


def canonical_json(value) -> bytes:
    """JSON with sorted keys, no spaces, ASCII only: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class EntrantRecord:
    """One line of the frozen entrant list: no name, no email, only what the draw needs."""

    entry_id: int
    weight: int
    #: SHA-256 of a per-entry random salt and the identity key, in hex.
    entrant_commit: str

    def encode(self) -> bytes:
        """``<entry_id>,<weight>,<entrant_commit>`` in ASCII, decimal without leading zeros."""
        return f"{self.entry_id},{self.weight},{self.entrant_commit}".encode("ascii")


class MalformedEntrantFile(ValueError):
    pass


def entrant_commit(salt: bytes, identity_key: str) -> str:
    """Commit to who the entrant is without revealing it (the salt stays private)."""
    return hashlib.sha256(salt + identity_key.encode("utf-8")).hexdigest()


def write_entrant_lines(records: Iterable[EntrantRecord]) -> Iterator[bytes]:
    """The entrant file, line by line (each ends with LF), in the order given (entry id ascending)."""
    for record in records:
        yield record.encode() + b"\n"


def parse_entrant_file(data: bytes) -> list[EntrantRecord]:
    """Read an entrant file strictly: any deviation from the canonical form is an error."""
    records: list[EntrantRecord] = []
    if data and not data.endswith(b"\n"):
        raise MalformedEntrantFile("the file must end with a line feed")
    previous = 0
    for number, line in enumerate(data.split(b"\n")[:-1] if data else [], start=1):
        parts = line.split(b",")
        if len(parts) != 3:
            raise MalformedEntrantFile(f"line {number}: expected entry_id,weight,entrant_commit")
        entry_id, weight, commit = parts
        for name, field in (("entry_id", entry_id), ("weight", weight)):
            if not field.isdigit() or (len(field) > 1 and field.startswith(b"0")):
                raise MalformedEntrantFile(f"line {number}: {name} must be a decimal integer without leading zeros")
        if len(commit) != 64 or any(c not in b"0123456789abcdef" for c in commit):
            raise MalformedEntrantFile(f"line {number}: entrant_commit must be 64 lower-case hex digits")
        record = EntrantRecord(int(entry_id), int(weight), commit.decode("ascii"))
        if record.weight < 1:
            raise MalformedEntrantFile(f"line {number}: weight must be at least 1")
        if record.entry_id <= previous:
            raise MalformedEntrantFile(f"line {number}: entry ids must be strictly increasing")
        previous = record.entry_id
        records.append(record)
    return records
