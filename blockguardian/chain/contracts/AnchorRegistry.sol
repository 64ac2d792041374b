// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title AnchorRegistry
/// @notice Stores, per batch id, the Merkle root of a batch of off-chain records, the kind of record
///         the batch holds and the block (time and number) that anchored it. A batch id is written
///         once and never changes. Only writers may anchor; the owner manages the writers.
/// @dev Leaves and the tree are built off-chain (see blockguardian/chain/merkle.py): a leaf is
///      keccak256(0x00 || salt || canonical JSON), an inner node keccak256(0x01 || min(a, b) || max(a, b)).
contract AnchorRegistry {
    struct Anchor {
        bytes32 root;
        uint64 anchoredAt;
        uint64 blockNumber;
        string kind;
    }

    address public owner;
    uint256 public anchorCount;
    mapping(address => bool) public isWriter;
    mapping(bytes32 => Anchor) private _anchors;

    event Anchored(bytes32 indexed batchId, bytes32 indexed root, string kind, uint64 anchoredAt);
    event WriterSet(address indexed writer, bool allowed);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error NotWriter(address caller);
    error BatchExists(bytes32 batchId);
    error EmptyBatchId();
    error EmptyRoot();
    error InvalidKind();
    error ZeroAddress();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyWriter() {
        if (!isWriter[msg.sender]) revert NotWriter(msg.sender);
        _;
    }

    /// @param initialWriter the first writer (the platform's signing key); the zero address adds none.
    constructor(address initialWriter) {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        if (initialWriter != address(0)) {
            isWriter[initialWriter] = true;
            emit WriterSet(initialWriter, true);
        }
    }

    function setWriter(address writer, bool allowed) external onlyOwner {
        if (writer == address(0)) revert ZeroAddress();
        isWriter[writer] = allowed;
        emit WriterSet(writer, allowed);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Anchor a batch: its Merkle root and the kind of records it holds (1 to 32 bytes).
    function anchor(bytes32 batchId, bytes32 root, string calldata kind) external onlyWriter {
        if (batchId == bytes32(0)) revert EmptyBatchId();
        if (root == bytes32(0)) revert EmptyRoot();
        uint256 kindLength = bytes(kind).length;
        if (kindLength == 0 || kindLength > 32) revert InvalidKind();
        if (_anchors[batchId].root != bytes32(0)) revert BatchExists(batchId);

        uint64 anchoredAt = uint64(block.timestamp);
        _anchors[batchId] = Anchor({root: root, anchoredAt: anchoredAt, blockNumber: uint64(block.number), kind: kind});
        unchecked {
            anchorCount += 1;
        }
        emit Anchored(batchId, root, kind, anchoredAt);
    }

    /// @notice The anchor of a batch; a zero root means the batch id was never anchored.
    function getAnchor(bytes32 batchId)
        external
        view
        returns (bytes32 root, string memory kind, uint64 anchoredAt, uint64 blockNumber)
    {
        Anchor storage a = _anchors[batchId];
        return (a.root, a.kind, a.anchoredAt, a.blockNumber);
    }

    function isAnchored(bytes32 batchId) external view returns (bool) {
        return _anchors[batchId].root != bytes32(0);
    }
}
