// Scoring runs in the router's process under `warmpath start`: a run of thousands of pairs
// must not hold the event loop the primary requests need. Work is done in slices of a few
// milliseconds with a turn of the event loop between them.
//
// The slice is one budget for every sliced step, not one per call: a run is a chain of
// steps (a query's rows parsed, pairs prepared, scored, serialised) joined by awaits that
// resolve as microtasks, and each step starting a fresh 4 ms slice let the chain hold the
// loop 10–15 ms at a time (measured under the shadow benchmark). A step that starts after
// the budget is spent yields first; a stale budget (the loop turned during a query) costs
// one extra turn, nothing more.

const defaultSliceMs = 4;

let sliceStart = performance.now();

/** True when the current slice is used up: the caller should await nextTurn() before more work. */
export function sliceSpent(sliceMs = defaultSliceMs): boolean {
  return performance.now() - sliceStart >= sliceMs;
}

/** One turn of the event loop (timers and I/O run), then a fresh slice. */
export async function nextTurn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  sliceStart = performance.now();
}

export async function mapInSlices<T, R>(items: readonly T[], fn: (item: T) => R, sliceMs = defaultSliceMs): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) {
    if (sliceSpent(sliceMs)) await nextTurn();
    out.push(fn(item));
  }
  return out;
}
