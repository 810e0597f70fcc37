// Two kinds of failure, kept apart on purpose:
//  - RpcError: the node refuses a request (JSON-RPC error object, codes as a Substrate node uses).
//  - DispatchFail: a call ran and failed; it becomes System.ExtrinsicFailed with a DispatchError,
//    the fee is still charged and the call's state changes are rolled back.

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

// Codes and texts of sc-rpc-api author/state errors and sp-runtime TransactionValidityError Display.
export const TX = {
  badFormat: (why) => new RpcError(1001, `Extrinsic has invalid format: ${why}`),
  invalid: (data) => new RpcError(1010, 'Invalid Transaction', data),
  badProof: () => TX.invalid('Transaction has a bad signature'),
  stale: () => TX.invalid('Transaction is outdated'),
  ancientBirth: () => TX.invalid('Transaction has an ancient birth block'),
  payment: () => TX.invalid('Inability to pay some fees (e.g. account balance too low)'),
  noUnsignedValidator: () => new RpcError(1011, 'Unknown Transaction Validity', 'Could not find an unsigned validator for the unsigned transaction'),
  alreadyImported: () => new RpcError(1013, 'Transaction Already Imported', 'The transaction is already in the pool.'),
  tooLowPriority: () => new RpcError(1014, 'Priority is too low: (0 vs 0)', 'The transaction has too low priority to replace another transaction already in the pool.'),
};

export class DispatchFail extends Error {
  // err: { module: ['Staking', 'NotStash'] } or { raw: { Token: 'FundsUnavailable' } } / { raw: 'BadOrigin' }
  constructor(err) {
    super(err.module ? err.module.join('.') : JSON.stringify(err.raw));
    this.err = err;
  }
}

export const fail = (pallet, name) => new DispatchFail({ module: [pallet, name] });
export const token = (name) => new DispatchFail({ raw: { Token: name } });
export const raw = (value) => new DispatchFail({ raw: value });
