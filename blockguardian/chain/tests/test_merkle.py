"""The batch's Merkle tree: every leaf's proof folds into the root, and nothing else does."""

from __future__ import annotations

import os

import pytest
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from blockguardian.chain.merkle import merkle_root_from_proof, merkle_tree, node_hash


def _leaves(n: int) -> list[bytes]:
    return [keccak(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 33, 1000])
def test_every_proof_folds_into_the_root(size):
    leaves = _leaves(size)
    tree = merkle_tree(leaves)

    assert all(
        merkle_root_from_proof(leaf, proof) == tree.root for leaf, proof in zip(leaves, tree.proofs, strict=True)
    )


def test_a_single_leaf_is_its_own_root_with_an_empty_proof():
    (leaf,) = _leaves(1)

    tree = merkle_tree([leaf])

    assert (tree.root, tree.proofs) == (leaf, [[]])


def test_pairs_are_sorted_and_domain_separated():
    a, b = _leaves(2)

    assert merkle_tree([a, b]).root == merkle_tree([b, a]).root == keccak(b"\x01" + min(a, b) + max(a, b))
    assert node_hash(a, b) != keccak(min(a, b) + max(a, b))


def test_an_odd_last_node_is_promoted_not_duplicated():
    a, b, c = _leaves(3)

    assert merkle_tree([a, b, c]).root == node_hash(node_hash(a, b), c)
    assert merkle_tree([a, b, c]).root != merkle_tree([a, b, c, c]).root


def test_proofs_are_logarithmic():
    tree = merkle_tree(_leaves(1000))

    assert max(len(proof) for proof in tree.proofs) == 10


def test_a_changed_leaf_or_proof_does_not_fold_into_the_root():
    leaves = _leaves(16)
    tree = merkle_tree(leaves)

    assert merkle_root_from_proof(os.urandom(32), tree.proofs[3]) != tree.root
    assert merkle_root_from_proof(leaves[3], [os.urandom(32), *tree.proofs[3][1:]]) != tree.root


def test_an_empty_tree_or_a_short_leaf_is_refused():
    with pytest.raises(ValueError):
        merkle_tree([])
    with pytest.raises(ValueError):
        merkle_tree([b"short"])


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True), st.data())
def test_membership_holds_for_any_leaf_list(leaves, data):
    tree = merkle_tree(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    outsider = data.draw(st.binary(min_size=32, max_size=32).filter(lambda x: x not in leaves))

    assert merkle_root_from_proof(leaves[index], tree.proofs[index]) == tree.root
    assert merkle_root_from_proof(outsider, tree.proofs[index]) != tree.root
