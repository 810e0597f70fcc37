// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IBondToken} from "./IBondToken.sol";

/// @title PolkadotPool: mints bond tokens against notarised claims and burns them on unstake.
///
/// A claim is an EIP-712 message signed by the notary set (see CLAIM_TYPEHASH and the domain built
/// in the constructor: name "PolkadotPool", version "1", chainId, verifyingContract = this pool).
/// `signature` is the concatenation of 65-byte (r, s, v) secp256k1 signatures, one per notary, ordered
/// by strictly ascending signer address; at least `threshold` of them, all valid. Each claimId can be
/// used once, and only while block.number < claimBeforeBlock: a claim the daemon has marked EXPIRED
/// (a finalized block >= claimBeforeBlock) can therefore never be paid as well.
contract PolkadotPool is AccessControl, Pausable, EIP712 {
    bytes32 public constant CLAIM_TYPEHASH =
        keccak256("Claim(address token,uint256 claimId,uint256 amount,uint256 claimBeforeBlock,address account)");

    /// 1 KSM = 1e12 planck, 1 aKSMb = 1e18 units: a burn below one planck would pay nothing.
    uint256 public constant MIN_BURN_AMOUNT = 1e6;

    uint256 private constant SIGNATURE_LENGTH = 65;

    /// Notary signers (the daemon's notary key(s)).
    mapping(address => bool) public isNotary;
    uint256 public notaryCount;
    /// Signatures required on a claim.
    uint256 public threshold;

    /// Bond tokens this pool mints and burns (aKSMb).
    mapping(address => bool) public isBond;

    /// claimId => used.
    mapping(uint256 => bool) public claimUsed;

    /// Id of the last burn request (the first is 1).
    uint256 public lastRequestId;

    event BondsClaimed(
        uint256 indexed claimId, address indexed account, address indexed bond, uint256 amount, uint256 shares
    );
    event TokensBurned(
        address indexed account,
        address indexed bond,
        uint256 amount,
        uint256 shares,
        bytes32 recipient,
        uint256 indexed requestId
    );
    event NotaryAdded(address indexed notary);
    event NotaryRemoved(address indexed notary);
    event ThresholdChanged(uint256 threshold);
    event BondSet(address indexed bond, bool allowed);

    error NotNotary(address caller);
    error UnknownBond(address bond);
    error ClaimExpired(uint256 claimBeforeBlock, uint256 blockNumber);
    error ClaimAlreadyUsed(uint256 claimId);
    error InvalidClaimSignature();
    error ZeroAddress();
    error ZeroAmount();
    error BurnAmountTooSmall(uint256 amount, uint256 minimum);
    error InvalidRecipient();
    error InvalidThreshold(uint256 threshold, uint256 notaryCount);
    error NotaryExists(address notary);
    error NotaryMissing(address notary);

    constructor(address admin, address[] memory notaries, uint256 threshold_) EIP712("PolkadotPool", "1") {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < notaries.length; i++) {
            _addNotary(notaries[i]);
        }
        _setThreshold(threshold_);
    }

    // ------------------------------------------------------------------ claims

    /// The EIP-712 digest the notaries sign for a claim.
    function claimDigest(address token, uint256 claimId, uint256 amount, uint256 claimBeforeBlock, address account)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, token, claimId, amount, claimBeforeBlock, account)));
    }

    /// The domain separator (also available in ERC-5267 form through `eip712Domain()`).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// True iff `claimBonds` with these arguments would pass every claim check now: known token,
    /// unexpired, unused claimId, non-zero amount and account, valid notary signatures.
    /// It does not report whether claims are paused (see `paused()`). Never reverts on bad input.
    function isClaimValid(
        address token,
        uint256 claimId,
        uint256 claimBeforeBlock,
        uint256 amount,
        address to,
        bytes calldata signature
    ) external view returns (bool) {
        if (!isBond[token] || block.number >= claimBeforeBlock || claimUsed[claimId]) return false;
        if (amount == 0 || to == address(0)) return false;
        return _validSignatures(claimDigest(token, claimId, amount, claimBeforeBlock, to), signature);
    }

    /// Mints `amount` of `bond` to `account` against a notarised claim. Anyone may submit it (a relayer
    /// pays the gas); the tokens always go to `account`, which is part of the signed message.
    function claimBonds(
        address bond,
        uint256 claimId,
        uint256 amount,
        uint256 claimBeforeBlock,
        address account,
        bytes calldata signature
    ) external whenNotPaused {
        if (!isBond[bond]) revert UnknownBond(bond);
        // Money rule: a claim is either paid before claimBeforeBlock or expired from it on, never both.
        if (block.number >= claimBeforeBlock) revert ClaimExpired(claimBeforeBlock, block.number);
        // Money rule: no claimId is paid twice.
        if (claimUsed[claimId]) revert ClaimAlreadyUsed(claimId);
        if (amount == 0) revert ZeroAmount();
        if (account == address(0)) revert ZeroAddress();
        if (!_validSignatures(claimDigest(bond, claimId, amount, claimBeforeBlock, account), signature)) {
            revert InvalidClaimSignature();
        }
        claimUsed[claimId] = true;
        uint256 shares = IBondToken(bond).mint(account, amount);
        emit BondsClaimed(claimId, account, bond, amount, shares);
    }

    // ------------------------------------------------------------------ unstake

    /// Burns `amount` of the caller's `bond` and asks for KSM to be paid to `polkadotRecipient`, a raw
    /// 32-byte Kusama AccountId (not SS58 text). Payout is floor(amount / 1e6) planck.
    /// Not affected by the claim pause: users can always leave (the token's guardian can still stop it).
    function burnBond(address bond, uint256 amount, bytes calldata polkadotRecipient) external {
        if (!isBond[bond]) revert UnknownBond(bond);
        if (amount < MIN_BURN_AMOUNT) revert BurnAmountTooSmall(amount, MIN_BURN_AMOUNT);
        if (polkadotRecipient.length != 32) revert InvalidRecipient();
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes32 recipient = bytes32(polkadotRecipient); // length checked to be exactly 32 above
        if (recipient == bytes32(0)) revert InvalidRecipient();
        uint256 requestId = ++lastRequestId; // effects before the call into the token
        uint256 shares = IBondToken(bond).burn(msg.sender, amount);
        emit TokensBurned(msg.sender, bond, amount, shares, recipient, requestId);
    }

    // ------------------------------------------------------------------ pause

    /// Any notary can stop claims at once (e.g. a suspected key compromise); only the admin resumes.
    function pauseClaims() external {
        if (!isNotary[msg.sender]) revert NotNotary(msg.sender);
        _pause();
    }

    function unpauseClaims() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ administration

    function setBond(address bond, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bond == address(0)) revert ZeroAddress();
        isBond[bond] = allowed;
        emit BondSet(bond, allowed);
    }

    function addNotary(address notary) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addNotary(notary);
    }

    /// Refused if fewer notaries than the threshold would remain.
    function removeNotary(address notary) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!isNotary[notary]) revert NotaryMissing(notary);
        if (notaryCount - 1 < threshold) revert InvalidThreshold(threshold, notaryCount - 1);
        isNotary[notary] = false;
        notaryCount -= 1;
        emit NotaryRemoved(notary);
    }

    function setThreshold(uint256 threshold_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setThreshold(threshold_);
    }

    // ------------------------------------------------------------------ internals

    function _addNotary(address notary) private {
        if (notary == address(0)) revert ZeroAddress();
        if (isNotary[notary]) revert NotaryExists(notary);
        isNotary[notary] = true;
        notaryCount += 1;
        emit NotaryAdded(notary);
    }

    function _setThreshold(uint256 threshold_) private {
        if (threshold_ == 0 || threshold_ > notaryCount) revert InvalidThreshold(threshold_, notaryCount);
        threshold = threshold_;
        emit ThresholdChanged(threshold_);
    }

    /// At least `threshold` 65-byte signatures, each recovering (low-s only, v in {27, 28}) to a
    /// notary, signers strictly ascending (so none is counted twice).
    function _validSignatures(bytes32 digest, bytes calldata signature) private view returns (bool) {
        uint256 len = signature.length;
        if (len == 0 || len % SIGNATURE_LENGTH != 0) return false;
        uint256 count = len / SIGNATURE_LENGTH;
        if (count < threshold) return false;
        address previous = address(0);
        for (uint256 i = 0; i < count; i++) {
            uint256 off = i * SIGNATURE_LENGTH;
            bytes32 r = bytes32(signature[off:off + 32]);
            bytes32 s = bytes32(signature[off + 32:off + 64]);
            uint8 v = uint8(signature[off + 64]);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, v, r, s);
            if (err != ECDSA.RecoverError.NoError) return false;
            if (!isNotary[signer]) return false;
            if (signer <= previous) return false;
            previous = signer;
        }
        return true;
    }
}
