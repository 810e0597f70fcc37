// Genesis: the dev accounts of a Substrate dev chain (//Alice … //Ferdie, sr25519),
// and a few validators (//Alice//stash …) bonded so that nominating has targets.
// Genesis is deterministic for a given config, so the genesis hash is too.
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';

export const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
const KSM = 1_000_000_000_000n;

export function devKeyring() {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 2 });
  const pairs = {};
  for (const name of DEV_NAMES) {
    pairs[name] = keyring.addFromUri(`//${name}`);
    pairs[`${name}//stash`] = keyring.addFromUri(`//${name}//stash`);
  }
  return { keyring, pairs };
}

export function defaultConfig() {
  return {
    metadata: 'kusama',
    blockMs: 6000,           // 0 = blocks only on demand (dev_newBlocks)
    slotMs: 6000,            // timestamp step per block (Kusama's slot)
    finalityLag: 2,
    eraBlocks: 20,           // Kusama: 3600 (6 h); short by default so tests can cross eras
    annualRewardBps: 1500,   // 15 %/year of total stake, split by reward points
    bondingDuration: null,   // null = the runtime's BondingDuration (28 on Kusama)
    validatorCount: 4,
    endowment: 1_000_000n * KSM,
    validatorSelfBond: 10_000n * KSM,
    minNominatorBond: KSM / 10n,
    genesisTime: 1_760_000_000_000, // fixed so genesis and every block hash are reproducible
  };
}

export function buildGenesisState(config, runtime) {
  const { pairs } = devKeyring();
  const state = {
    accounts: {},
    totalIssuance: 0n,
    staking: {
      ledgers: {}, payee: {}, validators: {}, nominators: {},
      currentEra: 0, activeEra: { index: 0, start: config.genesisTime },
      eras: {}, bondedEras: [[0, 0]], minNominatorBond: config.minNominatorBond,
      slashedValidators: {},
    },
    proxies: {},
    multisigs: {},
  };
  const endow = (pair, amount) => {
    const who = u8aToHex(pair.publicKey);
    state.accounts[who] = { nonce: 0, consumers: 0, providers: 1, sufficients: 0, free: amount, reserved: 0n, frozen: 0n };
    state.totalIssuance += amount;
    return who;
  };
  for (const name of DEV_NAMES) endow(pairs[name], config.endowment);
  const commissions = [0, 10_000_000, 50_000_000, 100_000_000]; // Perbill: 0 %, 1 %, 5 %, 10 %
  for (let i = 0; i < config.validatorCount; i += 1) {
    const stash = endow(pairs[`${DEV_NAMES[i % DEV_NAMES.length]}//stash`], config.validatorSelfBond * 2n);
    const acc = state.accounts[stash];
    acc.free -= config.validatorSelfBond;
    acc.reserved += config.validatorSelfBond; // staking uses a balance hold, counted in `reserved`
    acc.consumers += 1;
    state.staking.ledgers[stash] = { total: config.validatorSelfBond, active: config.validatorSelfBond, unlocking: [] };
    state.staking.payee[stash] = 'Staked';
    state.staking.validators[stash] = { commission: commissions[i % commissions.length], blocked: false };
  }
  return state;
}
