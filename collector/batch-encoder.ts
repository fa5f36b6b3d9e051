// A batch's rows as one insert body: UTF-8, one row per line, written into a Buffer that
// is kept from batch to batch.
//
// Why not `lines.join('\n')` then `Buffer.from`: at 10k rows a second that is a new ~9 MB
// string and a new ~9 MB Buffer every second, and both are fresh memory. perf on a router
// at full load put 7% of its main thread in page faults, nearly all of them these two
// (zeroing and mapping pages the kernel had just taken back). The pages of a kept Buffer
// stay mapped, and no batch-sized string is built at all.

/** Sizes are rounded up to this, so a batch a little larger than the last does not reallocate. */
const step = 1 << 20;
/** A Buffer grown by an unusually large batch is let go when later batches need under a quarter of it. */
const keepAtMost = 32 * step;

export class BatchEncoder {
  #buffer: Buffer = Buffer.allocUnsafeSlow(step);

  /**
   * The rows, newline-separated, no trailing newline. The result is a view of the kept
   * Buffer: valid until the next call (the writer has one batch in flight at a time).
   */
  encode(lines: readonly string[]): Buffer {
    let offset = 0;
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i] as string;
      // A UTF-16 code unit takes at most 3 bytes in UTF-8; the newline 1.
      const worst = offset + line.length * 3 + 1;
      if (worst > this.#buffer.length) this.#grow(worst, offset);
      if (i > 0) this.#buffer[offset++] = 0x0a;
      offset += this.#buffer.write(line, offset);
    }
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
  let cut = -1;
  for (let n = 0; n < firstRows; n += 1) cut = payload.indexOf(0x0a, cut + 1);
  return [payload.subarray(0, cut), firstRows, payload.subarray(cut + 1), rows - firstRows];
}
