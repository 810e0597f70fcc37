// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;
contract Emitter {
    event TokensBurned(address indexed from, uint256 amount, bytes polkadotRecipient);
    event Hashed(string indexed s, bytes indexed b, uint16[] c);
    event Arrays(uint256[] indexed a, address[2] indexed b, int24 c);
    function burned(uint256 amount, bytes calldata r) external { emit TokensBurned(msg.sender, amount, r); }
    function hashed(string calldata s, bytes calldata b, uint16[] calldata c) external { emit Hashed(s, b, c); }
    function arrays(uint256[] calldata a, address[2] calldata b, int24 c) external { emit Arrays(a, b, c); }
}
