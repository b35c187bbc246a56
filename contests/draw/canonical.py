"""Canonical encodings: the bytes that every hash in a draw is computed over."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass


def canonical_json(value) -> bytes:
    """JSON with sorted keys, no spaces, ASCII only: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


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
        return encode_line(self.entry_id, self.weight, self.entrant_commit)


def encode_line(entry_id: int, weight: int, commit: str) -> bytes:
    """``<entry_id>,<weight>,<entrant_commit>`` in ASCII, decimal without leading zeros."""
    return b"%d,%d,%s" % (entry_id, weight, commit.encode("ascii"))


class MalformedEntrantFile(ValueError):
    pass


def entrant_commit(salt: bytes, identity_key: str) -> str:
    """Commit to who the entrant is without revealing it (the salt stays private)."""
    return hashlib.sha256(salt + identity_key.encode("utf-8")).hexdigest()


ENTRANT_LINE = re.compile(rb"(0|[1-9][0-9]*),([1-9][0-9]*),[0-9a-f]{64}")


def parse_entrant_file(data: bytes) -> list[bytes]:
    """Read an entrant file strictly and return its lines (without LF).

    Any deviation from the canonical form is an error: a line that is not
    ``entry_id,weight,entrant_commit`` (decimal without leading zeros, weight at least 1, 64
    lower-case hex digits), ids not strictly increasing, or a missing final line feed.
    """
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise MalformedEntrantFile("the file must end with a line feed")
    lines = data[:-1].split(b"\n")
    previous = -1
    match = ENTRANT_LINE.fullmatch
    for number, line in enumerate(lines, start=1):
        found = match(line)
        if found is None:
            raise MalformedEntrantFile(
                f"line {number}: expected entry_id,weight,entrant_commit in canonical form"
            )
        entry_id = int(found.group(1))
        if entry_id <= previous:
            raise MalformedEntrantFile(f"line {number}: entry ids must be strictly increasing")
        previous = entry_id
    return lines
