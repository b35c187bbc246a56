"""IETF RFC 3797 (Publicly Verifiable Nominations Committee Random Selection), section 4.

Each source is a list of numbers; they are sorted ascending, written in decimal, each followed
by ".", and each source ends with "/". For i = 0, 1, 2... the value
MD5(u16be(i) || key || u16be(i)), read as a 128-bit big-endian integer, modulo the number of
candidates still in the pool, picks (0-based) among the remaining candidates in their order.
"""

from __future__ import annotations

import hashlib
import struct


class BadSource(ValueError):
    pass


def key_string(sources: list[str]) -> bytes:
    """Build the key string from sources given as whitespace-separated numbers."""
    parts = []
    for position, source in enumerate(sources, start=1):
        tokens = source.split()
        if not tokens:
            raise BadSource(f"source {position} is empty")
        try:
            numbers = sorted(int(token) for token in tokens)
        except ValueError:
            raise BadSource(
                f"source {position} must hold whole numbers separated by spaces: {source!r}"
            ) from None
        if any(n < 0 for n in numbers):
            raise BadSource(f"source {position} has a negative number")
        parts.append("".join(f"{n}." for n in numbers) + "/")
    return "".join(parts).encode("ascii")


def digest(key: bytes, index: int) -> bytes:
    prefix = struct.pack(">H", index)
    return hashlib.md5(prefix + key + prefix).digest()


def select(sources: list[str], pool_size: int, count: int) -> list[int]:
    """The 1-based positions chosen from a pool of ``pool_size``, in selection order."""
    if not 0 <= count <= pool_size:
        raise ValueError("count must be between 0 and the pool size")
    if pool_size > 65536:
        raise ValueError("RFC 3797 indexes selections with two bytes: at most 65536 candidates")
    key = key_string(sources)
    remaining = list(range(1, pool_size + 1))
    chosen = []
    for index in range(count):
        value = int.from_bytes(digest(key, index), "big")
        chosen.append(remaining.pop(value % len(remaining)))
    return chosen
