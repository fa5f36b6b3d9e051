// A batch's rows as one insert body: the row converter's encoded blocks joined by
// newlines into a Buffer that is kept from batch to batch.
//
// Why a kept Buffer: at 10k rows a second a fresh batch-sized body is a new ~9 MB of
// memory every second. perf on a router at full load put 7% of its main thread in page
// faults when the body was built as `lines.join('\n')` then `Buffer.from` (zeroing and
// mapping pages the kernel had just taken back); the pages of a kept Buffer stay mapped.

/** Sizes are rounded up to this, so a batch a little larger than the last does not reallocate. */
const step = 1 << 20;
/** A Buffer grown by an unusually large batch is let go when later batches need under a quarter of it. */
const keepAtMost = 32 * step;

export class BatchEncoder {
  #buffer: Buffer = Buffer.allocUnsafeSlow(step);

  /**
   * Blocks of rows already encoded (row-batch.ts), joined by newlines into one payload, no
   * trailing newline. The result is a view of the kept Buffer: valid until the next call
   * (the writer has one batch in flight at a time). Empty blocks (no rows: a row is never
   * empty) add nothing.
   */
  join(blocks: readonly Buffer[]): Buffer {
    let offset = 0;
    for (const block of blocks) {
      if (block.length === 0) continue;
      const needed = offset + block.length + 1;
      if (needed > this.#buffer.length) this.#grow(needed, offset);
      if (offset > 0) this.#buffer[offset++] = 0x0a;
      offset += block.copy(this.#buffer, offset);
    }
    return this.#release(offset);
  }

  #release(offset: number): Buffer {
    if (this.#buffer.length > keepAtMost && offset * 4 < this.#buffer.length) {
      const used = this.#buffer.subarray(0, offset);
      this.#buffer = Buffer.allocUnsafeSlow(roundUp(offset));
      used.copy(this.#buffer);
    }
    return this.#buffer.subarray(0, offset);
  }

  #grow(needed: number, keep: number): void {
    const grown = Buffer.allocUnsafeSlow(roundUp(Math.max(needed, this.#buffer.length * 2)));
    this.#buffer.copy(grown, 0, 0, keep);
    this.#buffer = grown;
  }
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / step) * step;
}

/**
 * A payload of `rows` lines cut in two at the newline after its first half of rows, as
 * views of the same bytes: for the rare path that halves a refused batch.
 */
export function splitRows(payload: Buffer, rows: number): [first: Buffer, firstRows: number, rest: Buffer, restRows: number] {
  const firstRows = Math.ceil(rows / 2);
  const [first, rest] = splitAfterRows(payload, firstRows);
  return [first, firstRows, rest, rows - firstRows];
}

/** A payload cut at the newline after its first `count` rows (fewer than it holds), as views of the same bytes. */
export function splitAfterRows(payload: Buffer, count: number): [first: Buffer, rest: Buffer] {
  let cut = -1;
  for (let n = 0; n < count; n += 1) cut = payload.indexOf(0x0a, cut + 1);
  return [payload.subarray(0, cut), payload.subarray(cut + 1)];
}
