// Scoring runs in the router's process under `warmpath start`: a run of thousands of pairs
// must not hold the event loop the primary requests need. Work is done in slices of a few
// milliseconds with a turn of the event loop between them.

const defaultSliceMs = 4;

export async function mapInSlices<T, R>(items: readonly T[], fn: (item: T) => R, sliceMs = defaultSliceMs): Promise<R[]> {
  const out: R[] = [];
  let sliceStart = performance.now();
  for (const item of items) {
    out.push(fn(item));
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}
