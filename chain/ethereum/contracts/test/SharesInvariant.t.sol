// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {TestBase, Vm} from "./Vm.sol";
import {aKSMb} from "../src/aKSMb.sol";

/// Drives aKSMb through random sequences of mints, burns, transfers, share transfers and bounded
/// ratio updates (forge's invariant fuzzer picks the calls). It plays the pool and the operator.
contract SharesHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    aKSMb public token;
    address[3] public actors = [address(0xA1), address(0xA2), address(0xA3)];

    constructor() {
        token = new aKSMb("Liquid KSM bond", "aKSMb", address(this), address(this), address(this), address(this));
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % 3];
    }

    function mint(uint256 who, uint256 amount) external {
        amount = 1e6 + amount % 1e24;
        token.mint(_actor(who), amount);
    }

    function burn(uint256 who, uint256 amount) external {
        address a = _actor(who);
        uint256 bal = token.balanceOf(a);
        if (bal == 0) return;
        amount = 1 + amount % bal;
        token.burn(a, amount);
    }

    function transfer(uint256 from, uint256 to, uint256 amount) external {
        address a = _actor(from);
        uint256 bal = token.balanceOf(a);
        amount = bal == 0 ? 0 : amount % (bal + 1);
        vm.prank(a);
        token.transfer(_actor(to), amount);
    }

    function transferShares(uint256 from, uint256 to, uint256 shares) external {
        address a = _actor(from);
        shares = shares % (token.sharesOf(a) + 1);
        vm.prank(a);
        token.transferShares(_actor(to), shares);
    }

    /// A day passes and the ratio moves inside the bounds: often exactly to an edge (largest reward,
    /// largest loss), otherwise anywhere between. With fail_on_revert the contract must accept every
    /// one, so the views that report the bounds agree with the checks at their edges.
    function publishRatio(uint256 where) external {
        vm.warp(block.timestamp + 1 days);
        uint256 lo = token.minAllowedRatioAt(block.timestamp);
        uint256 hi = token.maxAllowedRatio();
        uint256 r = where % 3 == 0 ? lo : where % 3 == 1 ? hi : lo + (where / 3) % (hi - lo + 1);
        token.updateRatio(r);
    }
}

contract SharesInvariantTest is TestBase {
    SharesHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new SharesHandler();
    }

    /// forge's invariant fuzzer calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_sharesAddUp() public view {
        aKSMb token = handler.token();
        uint256 sum;
        for (uint256 i = 0; i < 3; i++) sum += token.sharesOf(handler.actors(i));
        assertEq(sum, token.totalShares(), "holders' shares == totalShares");
    }

    function invariant_balancesNeverExceedSupply() public view {
        aKSMb token = handler.token();
        uint256 sum;
        for (uint256 i = 0; i < 3; i++) sum += token.balanceOf(handler.actors(i));
        assertLe(sum, token.totalSupply(), "sum of balances <= totalSupply");
    }
}
