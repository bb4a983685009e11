"""RFC 6962 Merkle tree hashing, compact ranges and proofs, in plain Python.

Leaf hash = SHA-256(0x00 || data); node hash = SHA-256(0x01 || left || right). A tree of n
leaves splits at k, the largest power of two below n (RFC 6962 section 2.1), so sizes that
are not powers of two have the RFC's shape. The compact range of a tree of size n is the
list of perfect subtree roots, left to right, one for each set bit of n: appending a leaf
touches only the trailing ones, so it costs O(log n) hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify: its message says how."""


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def naive_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC's definition (leaf hashes in, root out): the reference
    the incremental code is tested against."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = largest_power_of_two_below(n)
    return node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


# Compact ranges -----------------------------------------------------------------------------

def compact_append(compact: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Append one leaf hash to the compact range of a tree of `size` leaves, in place.

    Returns the nodes completed by this append, lowest first: the leaf itself, then one
    merged node per trailing one-bit of `size`. Entry h is the root of the perfect subtree
    of 2**h leaves that ends at the new leaf.
    """
    completed = [leaf]
    node = leaf
    while size & 1:
        node = node_hash(compact.pop(), node)
        completed.append(node)
        size >>= 1
    compact.append(node)
    return completed


def compact_root(compact: Sequence[bytes]) -> bytes:
    if not compact:
        return EMPTY_ROOT
    node = compact[-1]
    for left in reversed(compact[:-1]):
        node = node_hash(left, node)
    return node


def compact_range_ends(size: int) -> list[tuple[int, int]]:
    """(end, height) of each subtree in the compact range of a tree of `size`, left to right:
    the subtree covers leaves [end - 2**height, end)."""
    ends = []
    start = 0
    for height in range(size.bit_length() - 1, -1, -1):
        if size >> height & 1:
            start += 1 << height
            ends.append((start, height))
    return ends


def tree_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every perfect subtree root, level by level (level h holds floor(n / 2**h) nodes).

    Built with whole-level comprehensions: the fast way to hash a million leaves in Python.
    """
    levels = [leaves]
    level = leaves
    while len(level) > 1:
        pairs = iter(level)
        level = [_sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        levels.append(level)
    return levels


def root_from_levels(levels: list[list[bytes]], size: int) -> bytes:
    """The root of the first `size` leaves, from `tree_levels` of at least that many."""
    return compact_root([levels[h][(end >> h) - 1] for end, h in compact_range_ends(size)])


# Proofs --------------------------------------------------------------------------------------

SubtreeHash = Callable[[int, int], bytes]


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """PATH(index, D[0:size]) from RFC 6962 2.1.1; `subtree(a, b)` gives MTH(D[a:b])."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    return _path(index, 0, size, subtree)


def _path(m: int, start: int, end: int, subtree: SubtreeHash) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return _path(m, start, start + k, subtree) + [subtree(start + k, end)]
    return _path(m - k, start + k, end, subtree) + [subtree(start, start + k)]


def consistency_proof(size1: int, size2: int, subtree: SubtreeHash) -> list[bytes]:
    """PROOF(size1, D[0:size2]) from RFC 6962 2.1.2."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from {size1} to {size2}")
    if size1 == size2:
        return []
    return _subproof(size1, 0, size2, True, subtree)


def _subproof(m: int, start: int, end: int, whole: bool, subtree: SubtreeHash) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree(start, end)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return _subproof(m, start, start + k, whole, subtree) + [subtree(start + k, end)]
    return _subproof(m - k, start + k, end, False, subtree) + [subtree(start, start + k)]


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != 32:
        raise ProofError(f"{what} is {len(value)} bytes, not 32")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root a proof implies (the RFC 9162 2.1.3.2 algorithm)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    _check_hash(leaf, "the leaf hash")
    fn, sn = index, size - 1
    node = leaf
    for sibling in proof:
        _check_hash(sibling, "a proof hash")
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    return node


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    _check_hash(root, "the root")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} is not in the tree of {size} with that root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes,
                       root2: bytes) -> None:
    """RFC 9162 2.1.4.2: the tree of size2 with root2 extends the tree of size1 with root1."""
    _check_hash(root1, "the first root")
    _check_hash(root2, "the second root")
    if size2 < size1:
        raise ProofError(f"the tree shrank from {size1} to {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if root1 != root2:
            raise ProofError(f"two different roots for size {size1}")
        return
    if size1 == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    for item in proof:
        _check_hash(item, "a proof hash")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 a power of two: root1 is a node of the proof
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(item, fr)
            sr = node_hash(item, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != root1:
        raise ProofError(f"the proof does not lead to the root of size {size1}")
    if sr != root2:
        raise ProofError(f"the proof does not lead to the root of size {size2}")
