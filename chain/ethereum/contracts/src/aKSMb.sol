// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title aKSMb: a rebasing bond token backed by KSM staked on Kusama.
///
/// Accounting is in **shares**. `ratio` is the number of shares that one token (1e18 units) is worth;
/// it starts at 1e18 and *falls* as staking rewards accrue (each share is then worth more tokens):
///
///     balanceOf(a) = sharesOf(a) * 1e18 / ratio          (rounded down)
///     totalSupply  = totalShares * 1e18 / ratio          (rounded down)
///     mint(amount) adds amount * ratio / 1e18 shares     (rounded down: never more than paid for)
///     burn(amount) removes ceil(amount * ratio / 1e18)   (rounded up: never less than taken out)
///
/// Only the pool mints and burns. The operator publishes `ratio`, and the contract itself bounds every
/// publication (minimum interval, maximum reward step derived from an annual rate, maximum loss step).
/// There is deliberately no way around those bounds: no owner "repair" setter, no admin override.
/// The admin can only change the bounds themselves, within hard limits, and every change is an event.
contract aKSMb is IERC20, IERC20Metadata, IERC20Errors, AccessControl, Pausable {
    /// Publishes the exchange ratio (the daemon's operator key).
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// May pause the token (transfers, mint, burn, ratio updates). Only the admin unpauses.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    uint256 public constant RATIO_ONE = 1e18;
    uint256 public constant BPS = 10_000;
    uint256 public constant YEAR = 365 days;

    // Hard limits on the bounds the admin may set: even the admin cannot disable the checks.
    uint256 public constant MIN_INTERVAL_FLOOR = 1 hours;
    uint256 public constant MIN_INTERVAL_CEILING = 30 days;
    uint256 public constant MAX_ANNUAL_REWARD_BPS_CEILING = 10_000; // 100% a year
    uint256 public constant MAX_LOSS_BPS_CEILING = 2_000; // 20% per update

    /// The only address allowed to mint and burn (PolkadotPool), fixed at deployment.
    address public immutable pool;

    string private _name;
    string private _symbol;

    mapping(address => uint256) private _shares;
    mapping(address => mapping(address => uint256)) private _allowances;
    uint256 private _totalShares;

    /// Shares per 1e18 token units.
    uint256 public ratio;
    /// block.timestamp of the last accepted ratio update (deployment counts as the first).
    uint256 public lastRatioUpdate;

    /// Minimum seconds between two ratio updates.
    uint256 public minRatioInterval;
    /// Ceiling on rewards, as an annual rate in basis points, applied pro rata to the time elapsed.
    uint256 public maxAnnualRewardBps;
    /// Ceiling on a single loss (ratio increase) in basis points of the current ratio.
    uint256 public maxLossBps;

    event TransferShares(address indexed from, address indexed to, uint256 sharesValue);
    event RatioUpdated(uint256 oldRatio, uint256 newRatio, uint256 elapsed, uint256 totalShares);
    event RatioBoundsChanged(uint256 minRatioInterval, uint256 maxAnnualRewardBps, uint256 maxLossBps);

    error NotPool(address caller);
    error ZeroAddress();
    error ZeroAmount();
    error RatioZero();
    error RatioUpdateTooSoon(uint256 nextAllowedTimestamp);
    error RatioRewardTooHigh(uint256 newRatio, uint256 minAllowedRatio);
    error RatioLossTooHigh(uint256 newRatio, uint256 maxAllowedRatio);
    error InvalidRatioBounds();

    modifier onlyPool() {
        if (msg.sender != pool) revert NotPool(msg.sender);
        _;
    }

    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        address pool_,
        address operator,
        address guardian
    ) {
        if (admin == address(0) || pool_ == address(0)) revert ZeroAddress();
        _name = name_;
        _symbol = symbol_;
        pool = pool_;
        ratio = RATIO_ONE;
        lastRatioUpdate = block.timestamp;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (operator != address(0)) _grantRole(OPERATOR_ROLE, operator);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
        // Defaults: daily publication with slack for timer jitter, 25% a year, 1% per slash step.
        _setRatioBounds(20 hours, 2_500, 100);
    }

    // ------------------------------------------------------------------ ERC-20 views

    function name() external view returns (string memory) {
        return _name;
    }

    function symbol() external view returns (string memory) {
        return _symbol;
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function totalSupply() external view returns (uint256) {
        return getTokensByShares(_totalShares);
    }

    function balanceOf(address account) public view returns (uint256) {
        return getTokensByShares(_shares[account]);
    }

    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    // ------------------------------------------------------------------ share views

    function sharesOf(address account) external view returns (uint256) {
        return _shares[account];
    }

    function totalShares() external view returns (uint256) {
        return _totalShares;
    }

    /// Token units that `sharesAmount` shares are worth now (rounded down).
    function getTokensByShares(uint256 sharesAmount) public view returns (uint256) {
        return Math.mulDiv(sharesAmount, RATIO_ONE, ratio);
    }

    /// Shares that `tokenAmount` token units are worth now (rounded down).
    function getSharesByTokens(uint256 tokenAmount) public view returns (uint256) {
        return Math.mulDiv(tokenAmount, ratio, RATIO_ONE);
    }

    // ------------------------------------------------------------------ ERC-20 transfers

    /// Moves ceil(amount * ratio / 1e18) shares, so the recipient's balance grows by at least `amount`
    /// and a holder can always send exactly `balanceOf(sender)`. The sender may lose one unit more than
    /// `amount` to rounding; `transferShares` moves an exact share count instead.
    function transfer(address to, uint256 amount) external returns (bool) {
        _transferTokens(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, msg.sender, amount);
        _transferTokens(from, to, amount);
        return true;
    }

    /// Moves an exact number of shares: lossless, unlike token-denominated transfers.
    function transferShares(address to, uint256 sharesAmount) external returns (uint256 tokens) {
        _moveShares(msg.sender, to, sharesAmount);
        tokens = getTokensByShares(sharesAmount);
        emit Transfer(msg.sender, to, tokens);
        emit TransferShares(msg.sender, to, sharesAmount);
    }

    // ------------------------------------------------------------------ pool-only mint / burn

    /// Mints `amount` token units' worth of shares to `to`; returns the shares created (rounded down).
    function mint(address to, uint256 amount) external onlyPool whenNotPaused returns (uint256 sharesAmount) {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        if (amount == 0) revert ZeroAmount();
        sharesAmount = getSharesByTokens(amount);
        if (sharesAmount == 0) revert ZeroAmount();
        _totalShares += sharesAmount;
        _shares[to] += sharesAmount;
        emit Transfer(address(0), to, getTokensByShares(sharesAmount));
        emit TransferShares(address(0), to, sharesAmount);
    }

    /// Burns `amount` token units from `from`; returns the shares destroyed (rounded up, so the
    /// holder never keeps value that was paid out).
    function burn(address from, uint256 amount) external onlyPool whenNotPaused returns (uint256 sharesAmount) {
        if (amount == 0) revert ZeroAmount();
        sharesAmount = Math.mulDiv(amount, ratio, RATIO_ONE, Math.Rounding.Ceil);
        uint256 have = _shares[from];
        if (sharesAmount > have) revert ERC20InsufficientBalance(from, balanceOf(from), amount);
        unchecked {
            _shares[from] = have - sharesAmount;
            _totalShares -= sharesAmount;
        }
        emit Transfer(from, address(0), amount);
        emit TransferShares(from, address(0), sharesAmount);
    }

    // ------------------------------------------------------------------ ratio

    /// Publishes a new ratio. Every bound is checked here, on every call, with no exception path:
    ///  - at least `minRatioInterval` seconds since the last update;
    ///  - a reward (ratio falls) of at most `maxAnnualRewardBps` a year, pro rata to the elapsed time:
    ///        newRatio * (BPS*YEAR + maxAnnualRewardBps*elapsed) >= ratio * BPS*YEAR
    ///  - a loss (ratio rises) of at most `maxLossBps` of the current ratio:
    ///        newRatio * BPS <= ratio * (BPS + maxLossBps)
    /// Each condition must hold on its own (they are all `require`s, never alternatives).
    function updateRatio(uint256 newRatio) external onlyRole(OPERATOR_ROLE) whenNotPaused {
        if (newRatio == 0) revert RatioZero();
        uint256 old = ratio;
        uint256 elapsed = block.timestamp - lastRatioUpdate;
        if (elapsed < minRatioInterval) revert RatioUpdateTooSoon(lastRatioUpdate + minRatioInterval);

        if (newRatio < old) {
            uint256 base = BPS * YEAR;
            uint256 grown = base + maxAnnualRewardBps * elapsed;
            // Exact integer comparison; minAllowed is only reported in the error.
            if (newRatio * grown < old * base) {
                revert RatioRewardTooHigh(newRatio, Math.mulDiv(old, base, grown, Math.Rounding.Ceil));
            }
        } else if (newRatio > old) {
            if (newRatio * BPS > old * (BPS + maxLossBps)) {
                revert RatioLossTooHigh(newRatio, Math.mulDiv(old, BPS + maxLossBps, BPS));
            }
        }

        ratio = newRatio;
        lastRatioUpdate = block.timestamp;
        emit RatioUpdated(old, newRatio, elapsed, _totalShares);
    }

    /// Earliest block.timestamp at which `updateRatio` is accepted.
    function nextRatioUpdateAt() external view returns (uint256) {
        return lastRatioUpdate + minRatioInterval;
    }

    /// Smallest ratio `updateRatio` would accept at `timestamp` (the largest reward step).
    function minAllowedRatioAt(uint256 timestamp) external view returns (uint256) {
        uint256 elapsed = timestamp > lastRatioUpdate ? timestamp - lastRatioUpdate : 0;
        uint256 base = BPS * YEAR;
        return Math.mulDiv(ratio, base, base + maxAnnualRewardBps * elapsed, Math.Rounding.Ceil);
    }

    /// Largest ratio `updateRatio` would accept (the largest loss step).
    function maxAllowedRatio() external view returns (uint256) {
        return Math.mulDiv(ratio, BPS + maxLossBps, BPS);
    }

    /// Changes the bounds (admin only), within the hard limits above. Does not touch the ratio.
    function setRatioBounds(uint256 minInterval, uint256 annualRewardBps, uint256 lossBps)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _setRatioBounds(minInterval, annualRewardBps, lossBps);
    }

    // ------------------------------------------------------------------ pause

    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ internals

    function _setRatioBounds(uint256 minInterval, uint256 annualRewardBps, uint256 lossBps) private {
        if (minInterval < MIN_INTERVAL_FLOOR || minInterval > MIN_INTERVAL_CEILING) revert InvalidRatioBounds();
        if (annualRewardBps > MAX_ANNUAL_REWARD_BPS_CEILING) revert InvalidRatioBounds();
        if (lossBps > MAX_LOSS_BPS_CEILING) revert InvalidRatioBounds();
        minRatioInterval = minInterval;
        maxAnnualRewardBps = annualRewardBps;
        maxLossBps = lossBps;
        emit RatioBoundsChanged(minInterval, annualRewardBps, lossBps);
    }

    function _transferTokens(address from, address to, uint256 amount) private {
        uint256 sharesAmount = Math.mulDiv(amount, ratio, RATIO_ONE, Math.Rounding.Ceil);
        if (sharesAmount > _shares[from]) revert ERC20InsufficientBalance(from, balanceOf(from), amount);
        _moveShares(from, to, sharesAmount);
        emit Transfer(from, to, amount);
        emit TransferShares(from, to, sharesAmount);
    }

    function _moveShares(address from, address to, uint256 sharesAmount) private whenNotPaused {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        uint256 have = _shares[from];
        if (sharesAmount > have) revert ERC20InsufficientBalance(from, getTokensByShares(have), getTokensByShares(sharesAmount));
        unchecked {
            _shares[from] = have - sharesAmount;
        }
        _shares[to] += sharesAmount;
    }

    function _approve(address owner, address spender, uint256 amount) private {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = amount;
        emit Approval(owner, spender, amount);
    }

    function _spendAllowance(address owner, address spender, uint256 amount) private {
        uint256 current = _allowances[owner][spender];
        if (current != type(uint256).max) {
            if (current < amount) revert ERC20InsufficientAllowance(spender, current, amount);
            unchecked {
                _allowances[owner][spender] = current - amount;
            }
        }
    }
}
