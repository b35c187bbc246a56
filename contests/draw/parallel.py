"""The frozen list's hashing work spread over the machine's cores, with results identical to one
core.

A million entrants cost about five hashes each (leaf, tree node, selection HMAC...), which in one
Python process takes several seconds. Both the Merkle root and the vdraw-v1 selection split
cleanly:

- RFC 6962's tree is built from perfect subtrees: cut the leaves into blocks of 2^16, each full
  block is one subtree, and pushing the blocks' roots (and the last block's leftover subtrees)
  through the same streaming stack gives the same root as pushing every leaf.
- The smallest (key, entry_id) pairs of the whole list are the smallest of the per-range smallest.

Workers are forked after the list is built, so they read its lines without copying or pickling
them; an entrant file's lines are checked and read (ids, weights) by the workers too. They run
under ``concurrent.futures.ProcessPoolExecutor`` rather than ``multiprocessing.Pool``: a worker
that dies (killed, out of memory) raises ``BrokenProcessPool`` in the caller where ``Pool.map``
waits for ever, and shutting down never depends on idle workers releasing a queue lock.
Standard library only, like the rest of ``contests.draw``; without ``fork`` (or for small lists)
the same functions run in the calling process.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import multiprocessing
import os
from array import array
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from operator import methodcaller
from typing import NamedTuple

from .canonical import ENTRANT_LINE
from .merkle import fold, push
from .select import smallest_keys

#: Leaves per block: one perfect subtree each.
BLOCK = 1 << 16
#: Leaves per sub-block, whose roots the draw keeps so that a receipt's inclusion proof needs one
#: sub-block's lines, not the whole list (``contests.draw.lookup``). Divides BLOCK.
SUB = 1 << 10
#: Below this many entrants the work is done in the calling process (forking costs more).
THRESHOLD = 200_000

#: What the forked workers read: set just before the pool starts, cleared after.
_LINES: list[bytes] = []
_PARSE = False
_HASH = True


class BadLine(ValueError):
    """A line of the list is not canonical; ``number`` is its 1-based line number."""

    def __init__(self, number: int):
        super().__init__(
            f"line {number}: expected entry_id,weight,entrant_commit in canonical form"
        )
        self.number = number


def _read(lines: list[bytes], first: int) -> tuple[array, array, int]:
    """The ids and weights of canonical lines (``canonical.ENTRANT_LINE``), or the number of the
    first line that is not canonical (0 if none); ``first`` is the number of ``lines[0]``.

    (Whole-block checks, splitting at the commas, were tried: no faster than the expression.)
    """
    ids, weights = array("Q"), array("I")
    for number, found in enumerate(map(ENTRANT_LINE.fullmatch, lines), start=first):
        if found is None:
            return ids, weights, number
        ids.append(int(found[1]))
        weights.append(int(found[2]))
    return ids, weights, 0


class Hashed(NamedTuple):
    """What the workers give back: the root, the seed and the selection, the ids and weights,
    the sub-blocks' roots and byte sizes (``lookup``'s index), and the file when it was streamed."""

    root: bytes
    seed: bytes
    smallest: list
    ids: array
    weights: array
    sub_roots: bytes
    sub_sizes: array
    data: bytes | None = None


def _hash_lines(lines: list[bytes], first: int, parse: bool, hashed: bool) -> tuple:
    """One block: its streaming stack (one subtree when full), the roots and byte sizes of its
    sub-blocks of ``SUB`` leaves (what a receipt lookup needs, see ``lookup``) and, when asked,
    its ids and weights read from the lines, or the number of the first line that is not
    canonical (0 if none). ``first`` is the number of ``lines[0]`` in the list."""
    sha256 = hashlib.sha256
    ids, weights, bad = _read(lines, first) if parse else (array("Q"), array("I"), 0)
    stack: list[tuple[int, bytes]] = []
    subs, sizes = [], array("Q")
    # Without hashing (a list frozen earlier, its root known) the lines are only read.
    for at in range(0, len(lines), SUB) if hashed and not bad else ():
        # merkle.push, inlined: this loop runs once per entrant.
        chunk = lines[at : at + SUB]
        sub: list[tuple[int, bytes]] = []
        append, pop = sub.append, sub.pop
        for digest in map(methodcaller("digest"), map(sha256, map(b"\x00".__add__, chunk))):
            size = 1
            while sub and sub[-1][0] == size:
                left_size, left = pop()
                size, digest = left_size + size, sha256(b"\x01" + left + digest).digest()
            append((size, digest))
        subs.append(fold(sub))
        sizes.append(sum(map(len, chunk)) + len(chunk))
        for size, digest in sub:
            push(stack, size, digest)
    return stack, ids.tobytes(), weights.tobytes(), bad, b"".join(subs), sizes.tobytes()


def _block(start: int) -> tuple:
    """``_hash_lines`` for a block of the list the workers were forked with."""
    return _hash_lines(_LINES[start : start + BLOCK], start + 1, _PARSE, _HASH)


def _sent_block(args: tuple[bytes, int]) -> tuple:
    """``_hash_lines`` for a block sent as bytes (a list streamed from the database)."""
    data, start = args
    lines = data.split(b"\n")
    lines.pop()  # the empty rest after the final LF
    return _hash_lines(lines, start + 1, True, True)


def _gather(blocks, parse: bool, ids: array, weights: array):
    """Join the blocks' results in order: (stack, ids, weights, sub_roots, sub_sizes)."""
    if parse:
        ids, weights = array("Q"), array("I")
    stack: list[tuple[int, bytes]] = []
    sub_roots, sizes = [], array("Q")
    for block_stack, block_ids, block_weights, bad, block_subs, block_sizes in blocks:
        if bad:
            raise BadLine(bad)
        sub_roots.append(block_subs)
        sizes.frombytes(block_sizes)
        if parse:
            ids.frombytes(block_ids)
            weights.frombytes(block_weights)
        for size, digest in block_stack:
            push(stack, size, digest)
    return stack, ids, weights, b"".join(sub_roots), sizes


def selection(seed: bytes, ids: array, weights: array, count: int, workers: int | None = None):
    """The ``count`` smallest (key, entry_id) of a list whose ids and weights are known."""
    used = _workers(len(ids), workers, None)
    pool = _pool(used) if used > 1 else None
    try:
        return _select(pool, used, seed, ids, weights, count)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _select(pool, used: int, seed: bytes, ids: array, weights: array, count: int) -> list:
    """The ``count`` smallest (key, entry_id), each worker taking one range of the list."""
    n = len(ids)
    if count <= 0 or n == 0:
        return []
    step = -(-n // used)
    ranges = [(seed, ids[a : a + step], weights[a : a + step], count) for a in range(0, n, step)]
    parts = list(pool.map(_smallest, ranges) if pool else map(_smallest, ranges))
    return heapq.nsmallest(count, heapq.merge(*parts))


def _read_and_select(args: tuple[int, int, bytes, int]) -> tuple[list, bytes, bytes, int]:
    """A list frozen earlier, one range of it: its ids and weights, and its ``count`` smallest
    (key, entry_id) under the seed, in one pass (or the number of its first bad line)."""
    start, stop, seed, count = args
    ids, weights, bad = _read(_LINES[start:stop], start + 1)
    smallest = [] if bad else smallest_keys(seed, ids, weights, count)
    return smallest, ids.tobytes(), weights.tobytes(), bad


def _smallest(args: tuple[bytes, array, array, int]) -> list[tuple[bytes, int]]:
    """The ``count`` smallest (key, entry_id) of one range of the list."""
    seed, ids, weights, count = args
    return smallest_keys(seed, ids, weights, count)


def _pool(workers: int) -> ProcessPoolExecutor:
    # Without the cyclic garbage collector in the workers: they build no cycles, and a full
    # collection there would walk (and so copy, page by page) the whole heap they inherited.
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=gc.disable
    )


def _workers(count: int, workers: int | None, threshold: int | None) -> int:
    threshold = THRESHOLD if threshold is None else threshold
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    if count < threshold or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return workers


def _read_frozen(n: int, used: int, pool, seed: bytes, count: int, root: bytes):
    """``merkle_root_and_selection`` for a list frozen earlier: read and select in one pass."""
    step = -(-n // used) if n else 1
    ranges = [(a, min(a + step, n), seed, max(count, 0)) for a in range(0, n, step)]
    ids, weights, parts = array("Q"), array("I"), []
    for smallest, range_ids, range_weights, bad in (
        pool.map(_read_and_select, ranges) if pool else map(_read_and_select, ranges)
    ):
        if bad:
            raise BadLine(bad)
        parts.append(smallest)
        ids.frombytes(range_ids)
        weights.frombytes(range_weights)
    smallest = heapq.nsmallest(count, heapq.merge(*parts)) if count > 0 else []
    return Hashed(root, seed, smallest, ids, weights, b"", array("Q"))


def merkle_root_and_selection(
    lines: list[bytes],
    ids: array | None,
    weights: array | None,
    seed_for_root,
    count: int,
    workers: int | None = None,
    threshold: int | None = None,
    known_root: bytes | None = None,
):
    """The Merkle root of ``lines``, then the ``count`` smallest (key, entry_id) under the seed.

    ``ids`` and ``weights`` may be None: they are then read from the lines (strictly, raising
    BadLine) by the workers, alongside the hashing. ``seed_for_root`` is called with the root and
    returns the seed (it depends on the root), so one pool of workers serves both steps.
    Returns ``Hashed``: ``sub_roots`` joins the 32-byte roots of the list's SUB-leaf sub-blocks,
    in order, ``sub_sizes`` their sizes in bytes.

    ``known_root``: the root of these lines, computed when the list was frozen (the caller keeps
    the result only if the file's SHA-256 is the one published then); the lines are then only
    read (still strictly), not hashed again, in the same pass as the selection, and ``sub_roots``
    is empty.
    """
    global _LINES, _PARSE, _HASH
    n = len(lines)
    parse = ids is None
    _LINES, _PARSE, _HASH = lines, parse, known_root is None
    used = _workers(n, workers, threshold)
    pool = _pool(used) if used > 1 else None
    try:
        if parse and known_root is not None:
            return _read_frozen(n, used, pool, seed_for_root(known_root), count, known_root)
        starts = range(0, n, BLOCK) if parse or _HASH else ()
        blocks = pool.map(_block, starts) if pool else map(_block, starts)
        stack, ids, weights, sub_roots, sizes = _gather(blocks, parse, ids, weights)
        _LINES = []
        root = fold(stack) if known_root is None else known_root
        seed = seed_for_root(root)
        smallest = _select(pool, used, seed, ids, weights, count)
        return Hashed(root, seed, smallest, ids, weights, sub_roots, sizes)
    finally:
        _LINES, _PARSE, _HASH = [], False, True
        if pool is not None:
            # After an error (a bad line), the blocks not yet started are dropped, not hashed.
            pool.shutdown(wait=True, cancel_futures=True)


def streamed_root_and_selection(
    chunks: Iterable[bytes], seed_for_root, count: int, workers: int | None = None
) -> Hashed:
    """``merkle_root_and_selection`` for an entrant file that arrives in chunks of ``BLOCK`` lines
    (the last one may be shorter), as the database streams it: each chunk goes to a worker as soon
    as it arrives, so the hashing runs while the database is still writing the rest of the file.
    Lines are read strictly (BadLine); the joined file comes back in ``data``.
    """
    chunks = iter(chunks)
    received = [next(chunks, b"")]
    lines = received[0].count(b"\n")
    used = _workers(THRESHOLD if lines == BLOCK else 0, workers, None)
    if used == 1:  # a short list, or no fork: in this process
        received += list(chunks)
        data = b"".join(received)
        lines = data.split(b"\n")
        lines.pop()
        hashed = merkle_root_and_selection(lines, None, None, seed_for_root, count, workers=1)
        return hashed._replace(data=data)
    pool = _pool(used)
    try:
        futures = [pool.submit(_sent_block, (received[0], 0))]
        for chunk in chunks:
            if lines % BLOCK:
                raise ValueError("only the last chunk of a streamed list may be short")
            futures.append(pool.submit(_sent_block, (chunk, lines)))
            received.append(chunk)
            lines += chunk.count(b"\n")
        stack, ids, weights, sub_roots, sizes = _gather(
            (future.result() for future in futures), True, array("Q"), array("I")
        )
        root = fold(stack)
        seed = seed_for_root(root)
        smallest = _select(pool, used, seed, ids, weights, count)
        return Hashed(root, seed, smallest, ids, weights, sub_roots, sizes, b"".join(received))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
