// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {TestBase} from "./Vm.sol";
import {aKSMb} from "../src/aKSMb.sol";
import {PolkadotPool} from "../src/PolkadotPool.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract PolkadotPoolTest is TestBase {
    PolkadotPool internal pool; // 1-of-1
    aKSMb internal token;
    PolkadotPool internal pool3; // 2-of-3
    aKSMb internal token3;

    uint256 internal constant KEY1 = 0xA1;
    uint256 internal constant KEY2 = 0xB2;
    uint256 internal constant KEY3 = 0xC3;
    uint256 internal constant OUTSIDER_KEY = 0xDEAD;
    address internal notary1;
    address internal notary2;
    address internal notary3;

    address internal constant OPERATOR = address(0x0B0B);
    address internal constant GUARDIAN = address(0x6A6A);
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant RELAYER = address(0x7E1A);

    bytes32 internal constant RECIPIENT = 0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    uint256 internal constant CLAIM_ID = 0x1234;
    uint256 internal constant AMOUNT = 12.1234e18;
    uint256 internal constant EXPIRY = 1_000;

    function setUp() public {
        vm.roll(100);
        vm.warp(1_700_000_000);
        notary1 = vm.addr(KEY1);
        notary2 = vm.addr(KEY2);
        notary3 = vm.addr(KEY3);

        address[] memory one = new address[](1);
        one[0] = notary1;
        pool = new PolkadotPool(address(this), one, 1);
        token = new aKSMb("Liquid KSM bond", "aKSMb", address(this), address(pool), OPERATOR, GUARDIAN);
        pool.setBond(address(token), true);

        address[] memory three = new address[](3);
        three[0] = notary1;
        three[1] = notary2;
        three[2] = notary3;
        pool3 = new PolkadotPool(address(this), three, 2);
        token3 = new aKSMb("Liquid KSM bond", "aKSMb", address(this), address(pool3), OPERATOR, GUARDIAN);
        pool3.setBond(address(token3), true);
    }

    // ------------------------------------------------------------------ helpers

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// Signatures by `keys`, concatenated in the order given.
    function _sigs(uint256[] memory keys, bytes32 digest) internal pure returns (bytes memory out) {
        for (uint256 i = 0; i < keys.length; i++) {
            out = bytes.concat(out, _sig(keys[i], digest));
        }
    }

    function _sorted2(uint256 a, uint256 b) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        (keys[0], keys[1]) = vm.addr(a) < vm.addr(b) ? (a, b) : (b, a);
    }

    function _digest(PolkadotPool p, aKSMb t, uint256 claimId, uint256 amount, uint256 expiry, address account)
        internal
        view
        returns (bytes32)
    {
        return p.claimDigest(address(t), claimId, amount, expiry, account);
    }

    function _signed(uint256 claimId, uint256 amount, uint256 expiry, address account)
        internal
        view
        returns (bytes memory)
    {
        return _sig(KEY1, _digest(pool, token, claimId, amount, expiry, account));
    }

    // ------------------------------------------------------------------ EIP-712

    function test_digestIsEip712() public view {
        bytes32 domainTypeHash =
            keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
        bytes32 domain = keccak256(
            abi.encode(domainTypeHash, keccak256("PolkadotPool"), keccak256("1"), block.chainid, address(pool))
        );
        assertEq(pool.domainSeparator(), domain, "domain separator");
        bytes32 typeHash =
            keccak256("Claim(address token,uint256 claimId,uint256 amount,uint256 claimBeforeBlock,address account)");
        assertEq(pool.CLAIM_TYPEHASH(), typeHash, "type hash");
        bytes32 structHash = keccak256(abi.encode(typeHash, address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE));
        bytes32 expected = keccak256(abi.encodePacked(hex"1901", domain, structHash));
        assertEq(pool.claimDigest(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE), expected, "digest");
    }

    // ------------------------------------------------------------------ claim

    function test_claim_mintsAndEmits() public {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        assertTrue(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "valid before");

        vm.expectEmit(true, true, true, true, address(pool));
        emit PolkadotPool.BondsClaimed(CLAIM_ID, ALICE, address(token), AMOUNT, AMOUNT);
        vm.prank(ALICE);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);

        assertEq(token.balanceOf(ALICE), AMOUNT, "minted");
        assertEq(token.sharesOf(ALICE), AMOUNT, "shares at parity");
        assertTrue(pool.claimUsed(CLAIM_ID), "claim used");
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "invalid after use");
    }

    function test_claim_byRelayer_paysTheAccount() public {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        vm.prank(RELAYER);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        assertEq(token.balanceOf(ALICE), AMOUNT, "account paid");
        assertEq(token.balanceOf(RELAYER), 0, "relayer gets nothing");
    }

    function test_claim_sharesAtRatio() public {
        vm.warp(block.timestamp + 1 days);
        uint256 r = token.minAllowedRatioAt(block.timestamp);
        vm.prank(OPERATOR);
        token.updateRatio(r);
        uint256 expectedShares = Math.mulDiv(AMOUNT, r, 1e18);
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        vm.expectEmit(true, true, true, true, address(pool));
        emit PolkadotPool.BondsClaimed(CLAIM_ID, ALICE, address(token), AMOUNT, expectedShares);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        assertEq(token.sharesOf(ALICE), expectedShares, "shares");
    }

    function test_replay_refused() public {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.ClaimAlreadyUsed.selector, CLAIM_ID));
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        // A fresh signature over the same claimId (other amount / account) is refused too.
        bytes memory sig2 = _signed(CLAIM_ID, 1e18, EXPIRY, BOB);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, 1e18, BOB, sig2), "reused id invalid");
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.ClaimAlreadyUsed.selector, CLAIM_ID));
        pool.claimBonds(address(token), CLAIM_ID, 1e18, EXPIRY, BOB, sig2);
        assertEq(token.totalSupply(), AMOUNT, "paid once");
    }

    function test_expiry_lastValidBlock() public {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        vm.roll(EXPIRY - 1);
        assertTrue(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "valid at expiry-1");
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        assertEq(token.balanceOf(ALICE), AMOUNT, "paid at expiry-1");
    }

    function test_expiry_atAndAfterClaimBeforeBlock() public {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        vm.roll(EXPIRY);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "invalid at expiry");
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.ClaimExpired.selector, EXPIRY, EXPIRY));
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        vm.roll(EXPIRY + 500);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "invalid after");
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.ClaimExpired.selector, EXPIRY, EXPIRY + 500));
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_wrongSigner_refused() public {
        bytes memory sig = _sig(OUTSIDER_KEY, _digest(pool, token, CLAIM_ID, AMOUNT, EXPIRY, ALICE));
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "outsider");
        vm.expectRevert(PolkadotPool.InvalidClaimSignature.selector);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        // A notary of another pool (notary2 is only in pool3) is a stranger here.
        bytes memory sig2 = _sig(KEY2, _digest(pool, token, CLAIM_ID, AMOUNT, EXPIRY, ALICE));
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig2), "foreign notary");
    }

    function test_tamperedFields_refused() public {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID + 1, EXPIRY, AMOUNT, ALICE, sig), "claimId");
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY + 1, AMOUNT, ALICE, sig), "expiry");
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT + 1, ALICE, sig), "amount");
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, BOB, sig), "account");
        pool.setBond(address(token3), true);
        assertFalse(pool.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "token");
        vm.expectRevert(PolkadotPool.InvalidClaimSignature.selector);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT + 1, EXPIRY, ALICE, sig);
    }

    function test_otherDomain_refused() public {
        // Signed for pool3 (another verifyingContract), presented to pool.
        bytes memory sig = _sig(KEY1, pool3.claimDigest(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE));
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "other pool");
        // Signed on one chain, presented on another.
        bytes memory good = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        vm.chainId(31337 + 1);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, good), "other chain");
    }

    function test_malleableHighS_refused() public {
        bytes32 digest = _digest(pool, token, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(KEY1, digest);
        // (r, n - s, v ^ 1) recovers the same key through ecrecover but is the high-s twin.
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flipped = v == 27 ? 28 : 27;
        assertEq(ecrecover(digest, flipped, r, highS), notary1, "twin recovers the notary");
        bytes memory twin = abi.encodePacked(r, highS, flipped);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, twin), "high-s");
        vm.expectRevert(PolkadotPool.InvalidClaimSignature.selector);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, twin);
        // v outside {27, 28} too.
        bytes memory badV = abi.encodePacked(r, s, uint8(v - 27));
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, badV), "v 0/1");
    }

    function test_badSignatureLengths_refused() public view {
        bytes memory sig = _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        bytes memory short64 = new bytes(64);
        for (uint256 i = 0; i < 64; i++) short64[i] = sig[i];
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, ""), "empty");
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, short64), "64 bytes");
        assertFalse(
            pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, ALICE, bytes.concat(sig, hex"00")), "66 bytes"
        );
    }

    function test_unknownBond_refused() public {
        aKSMb stray = new aKSMb("x", "x", address(this), address(pool), OPERATOR, GUARDIAN);
        bytes memory sig = _sig(KEY1, pool.claimDigest(address(stray), CLAIM_ID, AMOUNT, EXPIRY, ALICE));
        assertFalse(pool.isClaimValid(address(stray), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "unknown token");
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.UnknownBond.selector, address(stray)));
        pool.claimBonds(address(stray), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
    }

    function test_zeroAmountOrAccount_refused() public {
        bytes memory sig0 = _signed(CLAIM_ID, 0, EXPIRY, ALICE);
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, 0, ALICE, sig0), "zero amount");
        vm.expectRevert(PolkadotPool.ZeroAmount.selector);
        pool.claimBonds(address(token), CLAIM_ID, 0, EXPIRY, ALICE, sig0);
        bytes memory sigZ = _signed(CLAIM_ID, AMOUNT, EXPIRY, address(0));
        assertFalse(pool.isClaimValid(address(token), CLAIM_ID, EXPIRY, AMOUNT, address(0), sigZ), "zero account");
        vm.expectRevert(PolkadotPool.ZeroAddress.selector);
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, address(0), sigZ);
    }

    // ------------------------------------------------------------------ threshold 2-of-3

    function test_threshold_twoAscending_accepted() public {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        bytes memory sig = _sigs(_sorted2(KEY1, KEY3), d);
        assertTrue(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "2 of 3");
        pool3.claimBonds(address(token3), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        assertEq(token3.balanceOf(ALICE), AMOUNT, "minted");
    }

    function test_threshold_allThreeAscending_accepted() public view {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        uint256[] memory keys = new uint256[](3);
        keys[0] = KEY1;
        keys[1] = KEY2;
        keys[2] = KEY3;
        // Sort by address (insertion sort on three).
        for (uint256 i = 1; i < 3; i++) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j]) < vm.addr(keys[j - 1]); j--) {
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
        assertTrue(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, _sigs(keys, d)), "3 of 3");
    }

    function test_threshold_oneSignature_refused() public {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        bytes memory sig = _sig(KEY2, d);
        assertFalse(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "1 of 3");
        vm.expectRevert(PolkadotPool.InvalidClaimSignature.selector);
        pool3.claimBonds(address(token3), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
    }

    function test_threshold_duplicateSigner_refused() public {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        bytes memory sig = bytes.concat(_sig(KEY2, d), _sig(KEY2, d));
        assertFalse(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "same signer twice");
        vm.expectRevert(PolkadotPool.InvalidClaimSignature.selector);
        pool3.claimBonds(address(token3), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
    }

    function test_threshold_unorderedSigners_refused() public {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        uint256[] memory asc = _sorted2(KEY1, KEY2);
        uint256[] memory desc = new uint256[](2);
        desc[0] = asc[1];
        desc[1] = asc[0];
        assertTrue(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, _sigs(asc, d)), "asc ok");
        bytes memory sig = _sigs(desc, d);
        assertFalse(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "descending");
        vm.expectRevert(PolkadotPool.InvalidClaimSignature.selector);
        pool3.claimBonds(address(token3), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
    }

    function test_threshold_notaryPlusOutsider_refused() public view {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        bytes memory sig = _sigs(_sorted2(KEY1, OUTSIDER_KEY), d);
        assertFalse(pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, sig), "outsider counted");
    }

    // ------------------------------------------------------------------ notary administration

    function test_admin_notarySetAndThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.InvalidThreshold.selector, 4, 3));
        pool3.setThreshold(4);
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.InvalidThreshold.selector, 0, 3));
        pool3.setThreshold(0);
        pool3.setThreshold(3);
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.InvalidThreshold.selector, 3, 2));
        pool3.removeNotary(notary2);
        pool3.setThreshold(2);
        pool3.removeNotary(notary2);
        assertFalse(pool3.isNotary(notary2), "removed");
        assertEq(pool3.notaryCount(), 2, "count");
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.NotaryExists.selector, notary1));
        pool3.addNotary(notary1);

        // A removed notary's signature no longer counts.
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        assertFalse(
            pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, _sigs(_sorted2(KEY1, KEY2), d)),
            "removed notary"
        );
        assertTrue(
            pool3.isClaimValid(address(token3), CLAIM_ID, EXPIRY, AMOUNT, ALICE, _sigs(_sorted2(KEY1, KEY3), d)),
            "remaining notaries"
        );

        bytes32 adminRole = pool3.DEFAULT_ADMIN_ROLE();
        vm.prank(notary1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, notary1, adminRole)
        );
        pool3.addNotary(BOB);
    }

    function test_constructor_refusesBadThreshold() public {
        address[] memory one = new address[](1);
        one[0] = notary1;
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.InvalidThreshold.selector, 2, 1));
        new PolkadotPool(address(this), one, 2);
        address[] memory dup = new address[](2);
        dup[0] = notary1;
        dup[1] = notary1;
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.NotaryExists.selector, notary1));
        new PolkadotPool(address(this), dup, 1);
    }

    // ------------------------------------------------------------------ pause

    function test_pause_anyNotaryPauses_onlyAdminUnpauses() public {
        bytes32 d = _digest(pool3, token3, CLAIM_ID, AMOUNT, EXPIRY, ALICE);
        bytes memory sig = _sigs(_sorted2(KEY1, KEY2), d);

        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.NotNotary.selector, BOB));
        pool3.pauseClaims();

        vm.prank(notary3);
        pool3.pauseClaims();
        assertTrue(pool3.paused(), "paused");
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pool3.claimBonds(address(token3), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);

        bytes32 adminRole = pool3.DEFAULT_ADMIN_ROLE();
        vm.prank(notary3);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, notary3, adminRole)
        );
        pool3.unpauseClaims();

        pool3.unpauseClaims();
        pool3.claimBonds(address(token3), CLAIM_ID, AMOUNT, EXPIRY, ALICE, sig);
        assertEq(token3.balanceOf(ALICE), AMOUNT, "claimed after unpause");
    }

    function test_pause_claimsPausedStillAllowsBurn() public {
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE));
        vm.prank(notary1);
        pool.pauseClaims();
        vm.prank(ALICE);
        pool.burnBond(address(token), 1e18, abi.encodePacked(RECIPIENT));
        assertEq(token.balanceOf(ALICE), AMOUNT - 1e18, "burned while claims paused");
    }

    // ------------------------------------------------------------------ burn

    function _fundAlice() internal {
        pool.claimBonds(address(token), CLAIM_ID, AMOUNT, EXPIRY, ALICE, _signed(CLAIM_ID, AMOUNT, EXPIRY, ALICE));
    }

    function test_burn_emitsAndBurns() public {
        _fundAlice();
        vm.expectEmit(true, true, true, true, address(pool));
        emit PolkadotPool.TokensBurned(ALICE, address(token), 2e18, 2e18, RECIPIENT, 1);
        vm.prank(ALICE);
        pool.burnBond(address(token), 2e18, abi.encodePacked(RECIPIENT));
        assertEq(token.balanceOf(ALICE), AMOUNT - 2e18, "balance");
        assertEq(token.totalSupply(), AMOUNT - 2e18, "supply");

        vm.expectEmit(true, true, true, true, address(pool));
        emit PolkadotPool.TokensBurned(ALICE, address(token), 3e18, 3e18, RECIPIENT, 2);
        vm.prank(ALICE);
        pool.burnBond(address(token), 3e18, abi.encodePacked(RECIPIENT));
        assertEq(pool.lastRequestId(), 2, "request ids are sequential");
    }

    function test_burn_afterReward_sharesRoundedUp() public {
        _fundAlice();
        vm.warp(block.timestamp + 1 days);
        uint256 r = token.minAllowedRatioAt(block.timestamp);
        vm.prank(OPERATOR);
        token.updateRatio(r);
        uint256 bal = token.balanceOf(ALICE);
        assertTrue(bal > AMOUNT, "reward accrued");
        uint256 expectedShares = Math.mulDiv(bal, r, 1e18, Math.Rounding.Ceil);
        vm.expectEmit(true, true, true, true, address(pool));
        emit PolkadotPool.TokensBurned(ALICE, address(token), bal, expectedShares, RECIPIENT, 1);
        vm.prank(ALICE);
        pool.burnBond(address(token), bal, abi.encodePacked(RECIPIENT));
        assertEq(token.balanceOf(ALICE), 0, "whole balance burned");
    }

    function test_burn_badRecipient_refused() public {
        _fundAlice();
        vm.startPrank(ALICE);
        vm.expectRevert(PolkadotPool.InvalidRecipient.selector);
        pool.burnBond(address(token), 1e18, abi.encodePacked(bytes31(RECIPIENT)));
        vm.expectRevert(PolkadotPool.InvalidRecipient.selector);
        pool.burnBond(address(token), 1e18, abi.encodePacked(RECIPIENT, uint8(0)));
        vm.expectRevert(PolkadotPool.InvalidRecipient.selector);
        pool.burnBond(address(token), 1e18, "");
        vm.expectRevert(PolkadotPool.InvalidRecipient.selector);
        pool.burnBond(address(token), 1e18, abi.encodePacked(bytes32(0)));
        // SS58 text is not an AccountId.
        vm.expectRevert(PolkadotPool.InvalidRecipient.selector);
        pool.burnBond(address(token), 1e18, bytes("HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"));
        vm.stopPrank();
        assertEq(token.balanceOf(ALICE), AMOUNT, "nothing burned");
    }

    function test_burn_amountChecks() public {
        _fundAlice();
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.BurnAmountTooSmall.selector, 1e6 - 1, 1e6));
        pool.burnBond(address(token), 1e6 - 1, abi.encodePacked(RECIPIENT));
        vm.prank(ALICE);
        pool.burnBond(address(token), 1e6, abi.encodePacked(RECIPIENT)); // one planck is fine
        uint256 bal = token.balanceOf(ALICE);
        vm.prank(ALICE);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, ALICE, bal, bal + 1)
        );
        pool.burnBond(address(token), bal + 1, abi.encodePacked(RECIPIENT));
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, BOB, 0, 1e18));
        pool.burnBond(address(token), 1e18, abi.encodePacked(RECIPIENT));
    }

    function test_burn_unknownBond_refused() public {
        vm.expectRevert(abi.encodeWithSelector(PolkadotPool.UnknownBond.selector, address(token3)));
        pool.burnBond(address(token3), 1e18, abi.encodePacked(RECIPIENT));
    }

    function test_burn_tokenPausedByGuardian() public {
        _fundAlice();
        vm.prank(GUARDIAN);
        token.pause();
        vm.prank(ALICE);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pool.burnBond(address(token), 1e18, abi.encodePacked(RECIPIENT));
    }

    // ------------------------------------------------------------------ fuzz

    /// Any claim signed by the notary is valid until its block and pays exactly `amount`.
    function testFuzz_claimRoundTrip(uint256 claimId, uint256 amount, uint256 expiry, address account) public {
        vm.assume(account != address(0) && account != address(token) && account.code.length == 0);
        amount = bound(amount, 1, 1e30);
        expiry = bound(expiry, block.number + 1, type(uint64).max);
        bytes memory sig = _signed(claimId, amount, expiry, account);
        assertTrue(pool.isClaimValid(address(token), claimId, expiry, amount, account, sig), "valid");
        pool.claimBonds(address(token), claimId, amount, expiry, account, sig);
        assertEq(token.balanceOf(account), amount, "paid exactly at parity");
        assertFalse(pool.isClaimValid(address(token), claimId, expiry, amount, account, sig), "single use");
    }
}
