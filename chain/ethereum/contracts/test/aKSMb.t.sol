// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {TestBase} from "./Vm.sol";
import {aKSMb} from "../src/aKSMb.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// Test-only subclass: puts the ratio anywhere so the share math can be fuzzed directly.
/// (The production contract has no such setter; see test_noUnboundedRatioPath.)
contract aKSMbHarness is aKSMb {
    constructor(address admin, address pool_, address operator, address guardian)
        aKSMb("Liquid KSM bond", "aKSMb", admin, pool_, operator, guardian)
    {}

    function forceRatioForTest(uint256 r) external {
        ratio = r;
    }
}

contract aKSMbTest is TestBase {
    aKSMb internal token;
    aKSMbHarness internal harness;

    address internal constant OPERATOR = address(0x0B0B);
    address internal constant GUARDIAN = address(0x6A6A);
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant MALLORY = address(0xBAD);

    uint256 internal constant T0 = 1_700_000_000;
    uint256 internal constant BASE = 10_000 * 365 days;

    function setUp() public {
        vm.warp(T0);
        // The test contract is admin and plays the pool, so it can mint and burn directly.
        token = new aKSMb("Liquid KSM bond", "aKSMb", address(this), address(this), OPERATOR, GUARDIAN);
        harness = new aKSMbHarness(address(this), address(this), OPERATOR, GUARDIAN);
    }

    // ------------------------------------------------------------------ basics

    function test_initialState() public view {
        assertEq(token.ratio(), 1e18, "ratio");
        assertEq(token.decimals(), 18, "decimals");
        assertTrue(keccak256(bytes(token.name())) == keccak256("Liquid KSM bond"), "name");
        assertTrue(keccak256(bytes(token.symbol())) == keccak256("aKSMb"), "symbol");
        assertEq(token.pool(), address(this), "pool");
        assertEq(token.minRatioInterval(), 20 hours, "interval default");
        assertEq(token.maxAnnualRewardBps(), 2_500, "reward default");
        assertEq(token.maxLossBps(), 100, "loss default");
        assertEq(token.lastRatioUpdate(), T0, "last update");
        assertTrue(token.hasRole(token.OPERATOR_ROLE(), OPERATOR), "operator role");
        assertTrue(token.hasRole(token.GUARDIAN_ROLE(), GUARDIAN), "guardian role");
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), address(this)), "admin role");
    }

    function test_mintAndBurnOnlyByPool() public {
        vm.prank(MALLORY);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.NotPool.selector, MALLORY));
        token.mint(MALLORY, 1e18);

        token.mint(ALICE, 5e18);
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.NotPool.selector, ALICE));
        token.burn(ALICE, 1e18);
        // The admin is not the pool either.
        aKSMb other = new aKSMb("x", "x", address(this), address(0x9001), OPERATOR, GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.NotPool.selector, address(this)));
        other.mint(ALICE, 1);
    }

    function test_mintBurnAtParity() public {
        uint256 s = token.mint(ALICE, 7e18);
        assertEq(s, 7e18, "shares at parity");
        assertEq(token.balanceOf(ALICE), 7e18, "balance");
        assertEq(token.sharesOf(ALICE), 7e18, "sharesOf");
        assertEq(token.totalShares(), 7e18, "totalShares");
        assertEq(token.totalSupply(), 7e18, "totalSupply");
        uint256 b = token.burn(ALICE, 2e18);
        assertEq(b, 2e18, "burned shares");
        assertEq(token.balanceOf(ALICE), 5e18, "balance after burn");
        assertEq(token.totalSupply(), 5e18, "supply after burn");
    }

    function test_mintZeroRefused() public {
        vm.expectRevert(aKSMb.ZeroAmount.selector);
        token.mint(ALICE, 0);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        token.mint(address(0), 1);
    }

    function test_rewardRaisesBalances() public {
        token.mint(ALICE, 100e18);
        vm.warp(T0 + 1 days);
        uint256 r = token.minAllowedRatioAt(block.timestamp); // the largest reward step allowed
        vm.prank(OPERATOR);
        token.updateRatio(r);
        assertEq(token.ratio(), r, "ratio published");
        assertEq(token.sharesOf(ALICE), 100e18, "shares unchanged by a rebase");
        assertGe(token.balanceOf(ALICE), 100e18 + 100e18 * 2_500 / BASE * 1 days - 1, "balance grew");
        assertEq(token.balanceOf(ALICE), Math.mulDiv(100e18, 1e18, r), "balance formula");
        // A mint after the reward gets fewer shares per token.
        uint256 s = token.mint(BOB, 100e18);
        assertEq(s, Math.mulDiv(100e18, r, 1e18), "shares at new ratio");
        assertTrue(s < 100e18, "fewer shares after reward");
    }

    // ------------------------------------------------------------------ ratio bounds

    function test_updateRatio_interval_tooSoon() public {
        vm.warp(T0 + 20 hours - 1);
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.RatioUpdateTooSoon.selector, T0 + 20 hours));
        token.updateRatio(1e18);
    }

    function test_updateRatio_interval_exactlyDue() public {
        vm.warp(T0 + 20 hours);
        vm.prank(OPERATOR);
        token.updateRatio(1e18);
        assertEq(token.lastRatioUpdate(), T0 + 20 hours, "last update");
        // The clock restarts from the accepted update.
        vm.warp(T0 + 40 hours - 1);
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.RatioUpdateTooSoon.selector, T0 + 40 hours));
        token.updateRatio(1e18);
        vm.warp(T0 + 40 hours);
        vm.prank(OPERATOR);
        token.updateRatio(1e18);
    }

    function test_updateRatio_reward_atCeiling_accepted() public {
        vm.warp(T0 + 1 days);
        uint256 grown = BASE + 2_500 * 1 days;
        uint256 minAllowed = Math.mulDiv(1e18, BASE, grown, Math.Rounding.Ceil);
        assertEq(token.minAllowedRatioAt(block.timestamp), minAllowed, "view agrees");
        vm.prank(OPERATOR);
        token.updateRatio(minAllowed);
        assertEq(token.ratio(), minAllowed, "accepted");
    }

    function test_updateRatio_reward_overCeiling_refused() public {
        vm.warp(T0 + 1 days);
        uint256 grown = BASE + 2_500 * 1 days;
        uint256 minAllowed = Math.mulDiv(1e18, BASE, grown, Math.Rounding.Ceil);
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.RatioRewardTooHigh.selector, minAllowed - 1, minAllowed));
        token.updateRatio(minAllowed - 1);
        // A wildly large reward too (the `||` bug class would let this through).
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.RatioRewardTooHigh.selector, 1, minAllowed));
        token.updateRatio(1);
        assertEq(token.ratio(), 1e18, "unchanged");
    }

    function test_updateRatio_reward_scalesWithElapsed() public {
        // One day's ceiling is refused after 20 hours but accepted after a day.
        uint256 oneDay = Math.mulDiv(1e18, BASE, BASE + 2_500 * 1 days, Math.Rounding.Ceil);
        vm.warp(T0 + 20 hours);
        vm.prank(OPERATOR);
        vm.expectRevert();
        token.updateRatio(oneDay);
        vm.warp(T0 + 1 days);
        vm.prank(OPERATOR);
        token.updateRatio(oneDay);
    }

    function test_updateRatio_loss_atCeiling_accepted() public {
        vm.warp(T0 + 1 days);
        uint256 maxAllowed = 1e18 * 10_100 / 10_000;
        assertEq(token.maxAllowedRatio(), maxAllowed, "view agrees");
        vm.prank(OPERATOR);
        token.updateRatio(maxAllowed);
        assertEq(token.ratio(), maxAllowed, "accepted");
    }

    function test_updateRatio_loss_overCeiling_refused() public {
        vm.warp(T0 + 1 days);
        uint256 maxAllowed = 1e18 * 10_100 / 10_000;
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.RatioLossTooHigh.selector, maxAllowed + 1, maxAllowed));
        token.updateRatio(maxAllowed + 1);
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(aKSMb.RatioLossTooHigh.selector, 2e18, maxAllowed));
        token.updateRatio(2e18);
    }

    function test_updateRatio_zeroRefused() public {
        vm.warp(T0 + 1 days);
        vm.prank(OPERATOR);
        vm.expectRevert(aKSMb.RatioZero.selector);
        token.updateRatio(0);
    }

    function test_updateRatio_onlyOperator() public {
        vm.warp(T0 + 1 days);
        bytes32 role = token.OPERATOR_ROLE();
        vm.prank(MALLORY);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, MALLORY, role)
        );
        token.updateRatio(1e18);
        // The admin has no ratio power of its own: no owner "repair" path.
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), role)
        );
        token.updateRatio(1e18);
    }

    function test_noUnboundedRatioPath() public {
        // Even an admin who grants itself the operator role is held to the bounds.
        token.grantRole(token.OPERATOR_ROLE(), address(this));
        vm.warp(T0 + 1 days);
        vm.expectRevert();
        token.updateRatio(1e17);
        // Widening the bounds to their hard limits still caps the step.
        token.setRatioBounds(1 hours, 10_000, 2_000);
        vm.expectRevert();
        token.updateRatio(1e17);
        vm.expectRevert();
        token.updateRatio(13e17);
    }

    function test_setRatioBounds_adminOnly_withEvent() public {
        bytes32 adminRole = token.DEFAULT_ADMIN_ROLE(); // read first: a call would consume the prank
        vm.prank(MALLORY);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, MALLORY, adminRole)
        );
        token.setRatioBounds(2 hours, 1_000, 50);
        vm.expectEmit(false, false, false, true, address(token));
        emit aKSMb.RatioBoundsChanged(2 hours, 1_000, 50);
        token.setRatioBounds(2 hours, 1_000, 50);
        assertEq(token.minRatioInterval(), 2 hours, "interval");
        assertEq(token.maxAnnualRewardBps(), 1_000, "reward");
        assertEq(token.maxLossBps(), 50, "loss");
        assertEq(token.ratio(), 1e18, "bounds change does not move the ratio");
    }

    function test_setRatioBounds_hardLimits() public {
        // Each hard limit from both sides.
        token.setRatioBounds(1 hours, 0, 0);
        token.setRatioBounds(30 days, 10_000, 2_000);
        vm.expectRevert(aKSMb.InvalidRatioBounds.selector);
        token.setRatioBounds(1 hours - 1, 100, 100);
        vm.expectRevert(aKSMb.InvalidRatioBounds.selector);
        token.setRatioBounds(30 days + 1, 100, 100);
        vm.expectRevert(aKSMb.InvalidRatioBounds.selector);
        token.setRatioBounds(1 days, 10_001, 100);
        vm.expectRevert(aKSMb.InvalidRatioBounds.selector);
        token.setRatioBounds(1 days, 100, 2_001);
    }

    function test_zeroBoundsFreezeDirection() public {
        // With no reward and no loss allowed, only an unchanged ratio passes.
        token.setRatioBounds(1 hours, 0, 0);
        vm.warp(T0 + 1 days);
        vm.startPrank(OPERATOR);
        vm.expectRevert();
        token.updateRatio(1e18 - 1);
        vm.expectRevert();
        token.updateRatio(1e18 + 1);
        token.updateRatio(1e18);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ pause

    function test_pause_guardianPauses_adminUnpauses() public {
        token.mint(ALICE, 10e18);
        bytes32 guardianRole = token.GUARDIAN_ROLE(); // read first: a call would consume the prank
        vm.prank(MALLORY);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, MALLORY, guardianRole)
        );
        token.pause();

        vm.prank(GUARDIAN);
        token.pause();
        assertTrue(token.paused(), "paused");

        vm.prank(ALICE);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        token.transfer(BOB, 1e18);
        vm.prank(ALICE);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        token.transferShares(BOB, 1e18);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        token.mint(ALICE, 1e18);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        token.burn(ALICE, 1e18);
        vm.warp(T0 + 1 days);
        vm.prank(OPERATOR);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        token.updateRatio(1e18);

        // The guardian cannot unpause; the admin can.
        bytes32 adminRole = token.DEFAULT_ADMIN_ROLE();
        vm.prank(GUARDIAN);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, GUARDIAN, adminRole)
        );
        token.unpause();
        token.unpause();
        vm.prank(ALICE);
        token.transfer(BOB, 1e18);
        assertEq(token.balanceOf(BOB), 1e18, "transfer after unpause");
    }

    // ------------------------------------------------------------------ transfers and rounding

    function test_transferFrom_allowance() public {
        token.mint(ALICE, 10e18);
        vm.prank(ALICE);
        token.approve(BOB, 3e18);
        vm.prank(BOB);
        token.transferFrom(ALICE, BOB, 2e18);
        assertEq(token.allowance(ALICE, BOB), 1e18, "allowance spent");
        vm.prank(BOB);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, BOB, 1e18, 2e18)
        );
        token.transferFrom(ALICE, BOB, 2e18);
    }

    function test_transfer_overBalanceRefused() public {
        token.mint(ALICE, 1e18);
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, ALICE, 1e18, 1e18 + 1));
        token.transfer(BOB, 1e18 + 1);
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        token.transfer(address(0), 1);
    }

    function test_shareRounding_transferShares_isExact() public {
        // A ratio where one token unit is not a whole number of shares.
        harness.forceRatioForTest(666_666_666_666_666_667); // ~1.5 tokens per share
        harness.mint(ALICE, 10e18);
        uint256 aliceShares = harness.sharesOf(ALICE);

        // Token-denominated transfers round: 1 unit moves ceil(0.666..) = 1 share = 1.5 units.
        vm.prank(ALICE);
        harness.transfer(BOB, 1);
        assertEq(harness.sharesOf(BOB), 1, "one share moved");
        assertEq(harness.balanceOf(BOB), 1, "bob sees 1 unit (1.5 rounded down)");

        // Share transfers are lossless: the books move by exactly the shares sent.
        vm.prank(ALICE);
        harness.transferShares(BOB, 1_000_001);
        assertEq(harness.sharesOf(BOB), 1_000_002, "bob shares");
        assertEq(harness.sharesOf(ALICE), aliceShares - 1_000_002, "alice shares");
        assertEq(harness.totalShares(), aliceShares, "total shares conserved");
        assertLe(harness.balanceOf(ALICE) + harness.balanceOf(BOB), harness.totalSupply(), "no value created");

        // Sending the whole balance by tokens always works and leaves at most dust shares.
        uint256 bal = harness.balanceOf(ALICE);
        vm.prank(ALICE);
        harness.transfer(BOB, bal);
        assertEq(harness.balanceOf(ALICE), 0, "alice emptied");
        // Sending all shares leaves exactly nothing.
        uint256 bobShares = harness.sharesOf(BOB);
        vm.prank(BOB);
        harness.transferShares(ALICE, bobShares);
        assertEq(harness.sharesOf(BOB), 0, "bob emptied by shares");
        assertEq(harness.sharesOf(ALICE), aliceShares, "all shares back");
    }

    // ------------------------------------------------------------------ fuzz: share math

    function _ratio(uint256 seed) internal pure returns (uint256) {
        // From 1e15 (a share worth 1000 tokens) to 1e21: far beyond any real ratio.
        return bound(seed, 1e15, 1e21);
    }

    function testFuzz_mintNeverOverpays(uint256 ratioSeed, uint256 amount) public {
        uint256 r = _ratio(ratioSeed);
        amount = bound(amount, 1e6, 1e30);
        harness.forceRatioForTest(r);
        uint256 s = harness.mint(ALICE, amount);
        assertEq(s, amount * r / 1e18, "shares rounded down");
        uint256 bal = harness.balanceOf(ALICE);
        assertLe(bal, amount, "never more than minted");
        // Loss is at most one share's worth (plus one unit for the second rounding).
        assertLe(amount - bal, 1e18 / r + 1, "rounding loss bounded");
        assertEq(harness.totalSupply(), bal, "supply equals the only balance");
    }

    function testFuzz_burnNeverLeavesValue(uint256 ratioSeed, uint256 minted, uint256 burned) public {
        uint256 r = _ratio(ratioSeed);
        minted = bound(minted, 1e6, 1e30);
        harness.forceRatioForTest(r);
        harness.mint(ALICE, minted);
        uint256 before = harness.balanceOf(ALICE);
        vm.assume(before > 0);
        burned = bound(burned, 1, before);
        uint256 sharesBefore = harness.sharesOf(ALICE);
        uint256 s = harness.burn(ALICE, burned);
        assertEq(s, Math.mulDiv(burned, r, 1e18, Math.Rounding.Ceil), "shares rounded up");
        assertEq(harness.sharesOf(ALICE), sharesBefore - s, "shares removed");
        assertLe(harness.balanceOf(ALICE), before - burned, "holder keeps nothing paid out");
        assertEq(harness.totalShares(), sharesBefore - s, "total shares");
    }

    function testFuzz_transferConservesShares(uint256 ratioSeed, uint256 minted, uint256 sent) public {
        uint256 r = _ratio(ratioSeed);
        minted = bound(minted, 1e6, 1e30);
        harness.forceRatioForTest(r);
        harness.mint(ALICE, minted);
        harness.mint(BOB, minted / 3 + 1e6);
        uint256 aliceBefore = harness.balanceOf(ALICE);
        uint256 bobBefore = harness.balanceOf(BOB);
        uint256 total = harness.totalShares();
        sent = bound(sent, 0, aliceBefore);
        vm.prank(ALICE);
        harness.transfer(BOB, sent);
        assertEq(harness.totalShares(), total, "shares conserved");
        assertGe(harness.balanceOf(BOB), bobBefore + sent, "recipient gets at least the amount");
        assertLe(harness.balanceOf(ALICE), aliceBefore - sent, "sender pays at least the amount");
        assertLe(aliceBefore - harness.balanceOf(ALICE), sent + 1e18 / r + 1, "sender overpays at most one share");
        assertLe(harness.balanceOf(ALICE) + harness.balanceOf(BOB), harness.totalSupply(), "no value created");
    }

    function testFuzz_transferSharesExact(uint256 ratioSeed, uint256 minted, uint256 shares) public {
        uint256 r = _ratio(ratioSeed);
        minted = bound(minted, 1e6, 1e30);
        harness.forceRatioForTest(r);
        harness.mint(ALICE, minted);
        uint256 have = harness.sharesOf(ALICE);
        shares = bound(shares, 0, have);
        vm.prank(ALICE);
        uint256 tokens = harness.transferShares(BOB, shares);
        assertEq(tokens, shares * 1e18 / r, "reported tokens");
        assertEq(harness.sharesOf(ALICE), have - shares, "sender shares");
        assertEq(harness.sharesOf(BOB), shares, "recipient shares");
        assertEq(harness.totalShares(), have, "total");
    }

    /// The contract accepts a new ratio exactly when the reference rule (written independently here,
    /// in 512-bit-safe arithmetic) says so, for any elapsed time, bounds and candidate ratio.
    function testFuzz_ratioBoundsMatchReference(
        uint256 elapsed,
        uint256 rewardBps,
        uint256 lossBps,
        uint256 interval,
        uint256 candidate
    ) public {
        interval = bound(interval, 1 hours, 30 days);
        rewardBps = bound(rewardBps, 0, 10_000);
        lossBps = bound(lossBps, 0, 2_000);
        elapsed = bound(elapsed, 0, 3 * 365 days);
        candidate = bound(candidate, 1, 3e18);
        token.setRatioBounds(interval, rewardBps, lossBps);
        vm.warp(T0 + elapsed);

        bool expectOk;
        if (elapsed < interval) {
            expectOk = false;
        } else if (candidate < 1e18) {
            // candidate / 1e18 >= BASE / (BASE + rewardBps * elapsed)
            expectOk = Math.mulDiv(candidate, BASE + rewardBps * elapsed, 1) >= Math.mulDiv(1e18, BASE, 1);
        } else {
            expectOk = candidate * 10_000 <= 1e18 * (10_000 + lossBps);
        }

        vm.prank(OPERATOR);
        (bool ok,) = address(token).call(abi.encodeCall(aKSMb.updateRatio, (candidate)));
        assertTrue(ok == expectOk, "contract and reference disagree");
        assertEq(token.ratio(), ok ? candidate : 1e18, "ratio after");
    }

    /// A year of maximal daily steps never exceeds the annual ceiling (compounding included, the
    /// pro-rata rule is below the compound rate: (1 + a/365)^365 >= 1 + a, and each step is exact).
    function test_yearOfMaximalRewards_staysNearCeiling() public {
        token.mint(ALICE, 1_000e18);
        uint256 t = T0;
        vm.startPrank(OPERATOR);
        for (uint256 i = 0; i < 365; i++) {
            t += 1 days;
            vm.warp(t);
            token.updateRatio(token.minAllowedRatioAt(t));
        }
        vm.stopPrank();
        uint256 bal = token.balanceOf(ALICE);
        // 25% simple pro rata, compounded daily: e^0.25 = 1.2840...
        assertGe(bal, 1_283e18, "compounded growth reached");
        assertLe(bal, 1_285e18, "but bounded by daily compounding of the ceiling");
    }
}
