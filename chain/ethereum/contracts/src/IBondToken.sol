// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// What PolkadotPool needs from a bond token (aKSMb): pool-only mint and burn that report shares.
interface IBondToken {
    /// Mints `amount` token units to `to`; returns the shares created.
    function mint(address to, uint256 amount) external returns (uint256 shares);

    /// Burns `amount` token units held by `from`; returns the shares destroyed.
    function burn(address from, uint256 amount) external returns (uint256 shares);
}
