"""A receipt's Merkle inclusion proof from one sub-block of the entrant file, not the whole file.

RFC 6962's tree over n leaves, cut into aligned sub-blocks of ``parallel.SUB`` leaves (a power of
two), is the same tree as the one over the sub-blocks' roots: every split point of MTH falls on a
sub-block boundary (the largest power of two below a count of leaves above SUB is a multiple of
SUB). So PATH(i) is the path inside i's sub-block followed by the path of that sub-block among
the sub-block roots. The draw keeps an index (each sub-block's root, first entry id and byte
offset in the file); a lookup reads one sub-block (about 80 KB for 1024 lines) and hashes it,
whatever the size of the list. Standard library only, like the rest of ``contests.draw``.
"""

from __future__ import annotations

import bisect
import struct
from itertools import pairwise

from . import parallel
from .merkle import inclusion_proof, leaf_hash

#: One sub-block in the index: its root, the entry id of its first line, its offset in the file.
_ROW = struct.Struct(">32sQQ")


def build_index(ids, sub_roots: bytes, sub_sizes) -> bytes:
    """The index of a hashed list (``sub_roots`` and ``sub_sizes`` as ``parallel`` returns them),
    followed by the file's length."""
    rows, offset, sub = [], 0, parallel.SUB
    for number, size in enumerate(sub_sizes):
        rows.append(_ROW.pack(sub_roots[32 * number : 32 * number + 32], ids[number * sub], offset))
        offset += size
    return b"".join(rows) + struct.pack(">Q", offset)


def _rows(index: bytes) -> list[tuple[bytes, int, int]]:
    return [_ROW.unpack_from(index, at) for at in range(0, len(index) - 8, _ROW.size)]


def locate(index: bytes, entry_id: int) -> int | None:
    """The number of the sub-block that would hold the entry, or None."""
    firsts = [first for _, first, _ in _rows(index)]
    number = bisect.bisect_right(firsts, entry_id) - 1
    return None if number < 0 else number


def blocks(index: bytes, data: bytes):
    """(number, bytes) of each sub-block of the file ``data`` the index describes, as views."""
    offsets = [offset for _, _, offset in _rows(index)] + [struct.unpack(">Q", index[-8:])[0]]
    view = memoryview(data)
    return [(number, view[a:b]) for number, (a, b) in enumerate(pairwise(offsets))]


def prove(
    index: bytes, number: int, chunk: bytes, entry_id: int
) -> tuple[int, bytes, list[bytes]] | None:
    """(position in the list, line, PATH) for the entry in sub-block ``number`` read as ``chunk``,
    or None when the list does not hold it."""
    lines = chunk.split(b"\n")[:-1]
    ids = [int(line.split(b",", 1)[0]) for line in lines]
    at = bisect.bisect_left(ids, entry_id)
    if at == len(ids) or ids[at] != entry_id:
        return None
    roots = [root for root, _, _ in _rows(index)]
    inner = inclusion_proof([leaf_hash(line) for line in lines], at)
    return number * parallel.SUB + at, lines[at], inner + inclusion_proof(roots, number)
