// Copy of the node state for rollbacks (failed calls, batch_all) and for dev_reorg.
// A full structuredClone costs ~3 ms once HistoryDepth (84) eras of exposures exist, and it
// would run for every extrinsic. Past eras never change except their claims (payout_stakers),
// so they are shared, with only `claimed` copied; everything else is deep-copied.
export function cloneState(state) {
  const { staking, ...rest } = state;
  const { eras, ...stakingRest } = staking;
  const out = structuredClone({ ...rest, staking: stakingRest });
  out.staking.eras = {};
  const active = staking.activeEra.index;
  for (const [k, e] of Object.entries(eras)) {
    out.staking.eras[k] = Number(k) >= active ? structuredClone(e) : { ...e, claimed: { ...e.claimed } };
  }
  return out;
}
