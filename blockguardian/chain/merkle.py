"""The Merkle tree of a batch: sorted pairs, domain-separated hashes, odd nodes promoted.

* Leaves are `keccak256(0x00 || salt || canonical_json)` (see `canonical.py`), in the batch's order
  (record id ascending).
* An inner node is `keccak256(0x01 || min(a, b) || max(a, b))`: the pair is sorted bytewise, so a
  proof is just the list of sibling hashes from the leaf up, without left/right flags. The 0x00/0x01
  prefixes keep a leaf from ever being passed off as an inner node (second-preimage attack).
* A level with an odd number of nodes promotes its last node unchanged to the next level (it is
  not paired with a copy of itself, which would let two different leaf lists share a root).
* One leaf: the root is the leaf and the proof is empty.

`merkle_root_from_proof(leaf, proof)` folds the proof into a root; verification compares it with the
root stored on chain for the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import keccak

NODE_PREFIX = b"\x01"


def node_hash(a: bytes, b: bytes) -> bytes:
    low, high = (a, b) if a <= b else (b, a)
    return keccak(NODE_PREFIX + low + high)


@dataclass(frozen=True)
class MerkleTree:
    root: bytes
    proofs: list[list[bytes]]


def merkle_tree(leaves: Sequence[bytes]) -> MerkleTree:
    """The root of `leaves` and, for each leaf in order, its proof."""
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    if any(len(leaf) != 32 for leaf in leaves):
        raise ValueError("leaves are 32-byte hashes")
    levels: list[list[bytes]] = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        parents = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            parents.append(level[-1])
        levels.append(parents)
    proofs = []
    for index in range(len(leaves)):
        proof, position = [], index
        for level in levels[:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            position //= 2
        proofs.append(proof)
    return MerkleTree(root=levels[-1][0], proofs=proofs)


def merkle_root_from_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    node = leaf
    for sibling in proof:
        node = node_hash(node, sibling)
    return node
