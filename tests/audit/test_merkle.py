"""The Merkle code against transparency-dev/merkle's proof vectors, and the incremental tree
against the RFC's recursive definition."""

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonpot_verify import merkle
from commonpot_verify.log import subtree_from_levels

VECTORS = Path(__file__).parent / "vectors"
# The eight leaves behind the vectors (RFC 6962 test data, as transparency-dev/merkle uses).
RFC_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]


def _b64(value):
    return base64.b64decode(value)


def _cases(kind):
    return sorted(p.relative_to(VECTORS).as_posix() for p in (VECTORS / kind).rglob("*.json"))


@pytest.mark.parametrize("name", _cases("inclusion"))
def test_inclusion_vectors(name):
    case = json.loads((VECTORS / name).read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("name", _cases("consistency"))
def test_consistency_vectors(name):
    case = json.loads((VECTORS / name).read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], proof, _b64(case["root1"]), _b64(case["root2"]))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def _happy(kind):
    return [json.loads((VECTORS / n).read_text()) for n in _cases(kind) if n.endswith("happy-path.json")]


def test_our_proofs_are_the_vectors_proofs():
    """Proofs we generate from the RFC leaves equal the upstream happy-path proofs byte for byte."""
    leaves = [merkle.leaf_hash(data) for data in RFC_LEAVES]
    levels = merkle.tree_levels(leaves)

    def subtree(a, b):
        return subtree_from_levels(levels, a, b)

    for case in _happy("inclusion"):
        assert merkle.naive_root(leaves[:case["treeSize"]]) == _b64(case["root"])
        proof = merkle.inclusion_proof(case["leafIdx"], case["treeSize"], subtree)
        assert proof == [_b64(p) for p in case["proof"] or []]
    for case in _happy("consistency"):
        proof = merkle.consistency_proof(case["size1"], case["size2"], subtree)
        assert proof == [_b64(p) for p in case["proof"] or []]


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


def test_every_mutation_of_every_happy_proof_is_rejected():
    for case in _happy("inclusion"):
        index, size = case["leafIdx"], case["treeSize"]
        leaf, root = _b64(case["leafHash"]), _b64(case["root"])
        proof = [_b64(p) for p in case["proof"] or []]
        mutants = [(index + d, size, leaf, proof, root) for d in (-1, 1) if index + d >= 0]
        mutants += [(index, size * 2, leaf, proof, root), (index, size, _flip(leaf, 3), proof, root),
                    (index, size, leaf, proof, _flip(root, 9)), (index, size, leaf, proof + [root], root)]
        mutants += [(index, size, leaf, proof[:i] + [_flip(p, 5)] + proof[i + 1:], root)
                    for i, p in enumerate(proof)]
        if proof:
            mutants.append((index, size, leaf, proof[:-1], root))
        for mutant in mutants:
            if mutant[0] == index and mutant[1] == size and mutant[2:] == (leaf, proof, root):
                continue
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(*mutant)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_incremental_root_matches_the_rfc_definition(size, data):
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    compact: list[bytes] = []
    for count, leaf in enumerate(leaves):
        merkle.compact_append(compact, count, leaf)
        assert len(compact) == bin(count + 1).count("1")  # O(log n) state
    assert merkle.compact_root(compact) == merkle.naive_root(leaves)
    levels = merkle.tree_levels(leaves)
    prefix = data.draw(st.integers(min_value=1, max_value=size))
    assert merkle.root_from_levels(levels, prefix) == merkle.naive_root(leaves[:prefix])
    index = data.draw(st.integers(min_value=0, max_value=prefix - 1))

    def subtree(a, b):
        return subtree_from_levels(levels, a, b)

    merkle.verify_inclusion(index, prefix, leaves[index], merkle.inclusion_proof(index, prefix, subtree),
                            merkle.naive_root(leaves[:prefix]))
    older = data.draw(st.integers(min_value=1, max_value=prefix))
    merkle.verify_consistency(older, prefix, merkle.consistency_proof(older, prefix, subtree),
                              merkle.naive_root(leaves[:older]), merkle.naive_root(leaves[:prefix]))


def test_export_lines_hash_exactly_the_leaf_bytes():
    """The verifier's fast reader slices the leaf out of each export line; it must give the same
    bytes as encoding the event, whatever the payload holds."""
    from commonpot_verify.log import event_bytes, export_line, parse_export_line

    tricky = {"seq": 12, "occurred_at": "2026-12-01T12:00:00.000000Z", "actor": 'a "quoted" ,"seq":9',
              "action": "x.y", "subject_type": "t", "subject_id": ',"seq":3,',
              "payload": {"seq": 99, "text": 'ünï ,"seq":7 \\ "', "nested": {"seq": 1}},
              "private_digest": None, "leaf_hash": "ab" * 32, "signature": None}
    seq, data, stated, signature = parse_export_line(export_line(tricky))
    assert (seq, data, stated, signature) == (12, event_bytes(tricky), "ab" * 32, None)
