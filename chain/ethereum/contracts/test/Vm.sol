// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// The few forge cheatcodes the tests use (there is no forge-std on npm, and tests run offline).
/// Signatures as in forge-std's Vm.sol; the cheatcode contract lives at a fixed address.
interface Vm {
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
    function roll(uint256 newHeight) external;
    function warp(uint256 newTimestamp) external;
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function assume(bool condition) external pure;
    function chainId(uint256 newChainId) external;
    function toString(uint256 value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
}

/// Minimal test base: the cheatcode handle and assertions that say what differed.
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    // forge treats a contract with IS_TEST = true as a test contract.
    bool public IS_TEST = true;

    function assertTrue(bool condition, string memory what) internal pure {
        require(condition, what);
    }

    function assertFalse(bool condition, string memory what) internal pure {
        require(!condition, what);
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) {
            revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
        }
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) {
            revert(string.concat(what, ": ", vm.toString(a), " > ", vm.toString(b)));
        }
    }

    function assertGe(uint256 a, uint256 b, string memory what) internal pure {
        if (a < b) {
            revert(string.concat(what, ": ", vm.toString(a), " < ", vm.toString(b)));
        }
    }

    /// Maps x into [lo, hi] (inclusive) for fuzz inputs, without discarding runs.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        require(lo <= hi, "bound: lo > hi");
        if (lo == 0 && hi == type(uint256).max) return x;
        return lo + (x % (hi - lo + 1));
    }
}
