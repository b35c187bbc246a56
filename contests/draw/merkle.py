"""Merkle tree hashing as in RFC 6962 (Certificate Transparency), section 2.1.

leaf = SHA-256(0x00 || record), node = SHA-256(0x01 || left || right); for n > 1 leaves the left
subtree holds the largest power of two smaller than n. The empty tree hashes to SHA-256("").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def leaf_hash(record: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + record).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def push(stack: list[tuple[int, bytes]], size: int, digest: bytes) -> None:
    """Add a perfect subtree (a leaf is one of size 1) to the streaming stack, merging equal
    sizes."""
    while stack and stack[-1][0] == size:
        left_size, left = stack.pop()
        size, digest = left_size + size, node_hash(left, digest)
    stack.append((size, digest))


def fold(stack: list[tuple[int, bytes]]) -> bytes:
    """The root from the leftover subtrees (decreasing sizes), folded from the right, as MTH
    does."""
    if not stack:
        return hashlib.sha256(b"").digest()
    digest = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        digest = node_hash(left, digest)
    return digest


def root_from_leaf_hashes(leaves: Iterable[bytes]) -> bytes:
    """Streamed: keeps one hash per level (log n), merging complete subtrees as they fill."""
    stack: list[tuple[int, bytes]] = []  # (size of the subtree, its hash)
    for leaf in leaves:
        push(stack, 1, leaf)
    return fold(stack)


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1: the sibling hashes from the leaf up."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)

    def path(m: int, items: list[bytes]) -> list[bytes]:
        if len(items) == 1:
            return []
        k = _largest_power_of_two_below(len(items))
        if m < k:
            return path(m, items[:k]) + [root_from_leaf_hashes(items[k:])]
        return path(m - k, items[k:]) + [root_from_leaf_hashes(items[:k])]

    return path(index, leaves)


def verify_inclusion(record: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """Recompute the root from a record, its position, the tree size and the audit path."""
    if not 0 <= index < size:
        return False
    digest = leaf_hash(record)
    # Walk up: at each level decide whether we are the left or right child (RFC 9162, 2.1.3.2).
    fn, sn = index, size - 1
    for sibling in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and digest == root


def consistency_proof(leaves: list[bytes], first: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2: that the tree of the first ``first`` leaves is a
    prefix of the tree of all of them (an append-only log kept its past)."""
    if not 0 < first <= len(leaves):
        raise IndexError(first)

    def subproof(m: int, items: list[bytes], complete: bool) -> list[bytes]:
        if m == len(items):
            return [] if complete else [root_from_leaf_hashes(items)]
        k = _largest_power_of_two_below(len(items))
        if m <= k:
            return subproof(m, items[:k], complete) + [root_from_leaf_hashes(items[k:])]
        return subproof(m - k, items[k:], False) + [root_from_leaf_hashes(items[:k])]

    return subproof(first, leaves, True)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: check a consistency proof between two tree heads."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first & (first - 1) == 0:  # a power of two: the first root is a node of the proof's path
        proof = [first_root, *proof]
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for node in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
