// Utility batches, with the three failure semantics the product relies on:
// batch stops at the first failure (BatchInterrupted, extrinsic still succeeds),
// batch_all reverts everything (the extrinsic fails with the inner error),
// force_batch carries on (ItemFailed per failure, BatchCompletedWithErrors).
import { DispatchFail } from '../errors.js';

export const calls = {
  batch(ctx, origin, [list]) {
    for (let i = 0; i < list.length; i += 1) {
      try {
        ctx.transactional(() => ctx.dispatch(origin, list[i]));
      } catch (e) {
        if (!(e instanceof DispatchFail)) throw e;
        ctx.emit('Utility', 'BatchInterrupted', [i, ctx.runtime.dispatchError(e.err)]);
        return;
      }
      ctx.emit('Utility', 'ItemCompleted', []);
    }
    ctx.emit('Utility', 'BatchCompleted', []);
  },
  batchAll(ctx, origin, [list]) {
    // The extrinsic-level rollback undoes everything if one call fails.
    for (const call of list) {
      ctx.dispatch(origin, call);
      ctx.emit('Utility', 'ItemCompleted', []);
    }
    ctx.emit('Utility', 'BatchCompleted', []);
  },
  forceBatch(ctx, origin, [list]) {
    let failed = false;
    for (const call of list) {
      try {
        ctx.transactional(() => ctx.dispatch(origin, call));
        ctx.emit('Utility', 'ItemCompleted', []);
      } catch (e) {
        if (!(e instanceof DispatchFail)) throw e;
        failed = true;
        ctx.emit('Utility', 'ItemFailed', [ctx.runtime.dispatchError(e.err)]);
      }
    }
    ctx.emit('Utility', failed ? 'BatchCompletedWithErrors' : 'BatchCompleted', []);
  },
};
