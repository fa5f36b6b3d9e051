// The on-disk spool: batches ClickHouse did not take, kept in order until it does.
// One file per batch, `<seq>-<rows>.rowbinary2` (`.rowbinary` for the rows of versions
// before the `api` column, `.ndjson` for the JSON rows of versions before RowBinary: both
// still replayed, in their own layout), written to a temporary name and renamed, so a crash
// mid-write leaves no half segment. The spool is bounded (storage.spool_max_mb,
// rejected batches included); a batch that does not fit is refused and the caller counts
// it dropped. One process per spool_dir.

import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchFormat } from './writer-types.ts';

export interface SpoolSegment {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  readonly format: BatchFormat;
}

const segmentName = /^(\d{16})-(\d+)\.(rowbinary2|rowbinary|ndjson)$/;
const extensions: Readonly<Record<BatchFormat, string>> = { RowBinary: 'rowbinary2', LegacyRowBinary: 'rowbinary', JSONCompactEachRow: 'ndjson' };
const formats: ReadonlyMap<string, BatchFormat> = new Map(Object.entries(extensions).map(([format, extension]) => [extension, format as BatchFormat]));

function formatOf(extension: string): BatchFormat {
  return formats.get(extension) as BatchFormat;
}

export class Spool {
  readonly directory: string;
  readonly maxBytes: number;
  readonly #segments: SpoolSegment[];
  #bytes: number;
  #seq: number;

  private constructor(directory: string, maxBytes: number, segments: SpoolSegment[], bytes: number, seq: number) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.#segments = segments;
    this.#bytes = bytes;
    this.#seq = seq;
  }

  /** Opens (creating) a spool folder and indexes what an earlier run left in it. */
  static async open(directory: string, maxBytes: number): Promise<Spool> {
    await mkdir(join(directory, 'rejected'), { recursive: true });
    const segments: SpoolSegment[] = [];
    let bytes = 0;
    let seq = 0;
    for (const file of (await readdir(directory)).sort()) {
      if (file.endsWith('.tmp')) {
        await rm(join(directory, file), { force: true });
        continue;
      }
      const m = segmentName.exec(file);
      if (m === null) continue;
      const size = (await stat(join(directory, file))).size;
      segments.push({ name: file, rows: Number(m[2]), bytes: size, format: formatOf(m[3] as string) });
      bytes += size;
      seq = Math.max(seq, Number(m[1]));
    }
    for (const file of await readdir(join(directory, 'rejected'))) {
      const m = segmentName.exec(file);
      if (m === null) continue;
      bytes += (await stat(join(directory, 'rejected', file))).size;
      seq = Math.max(seq, Number(m[1]));
    }
    return new Spool(directory, maxBytes, segments, bytes, seq);
  }

  /** Bytes on disk: waiting segments and rejected batches. */
  get bytes(): number {
    return this.#bytes;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Rows waiting to be replayed. */
  get rows(): number {
    let rows = 0;
    for (const s of this.#segments) rows += s.rows;
    return rows;
  }

  /** The oldest waiting segment. */
  oldest(): SpoolSegment | undefined {
    return this.#segments[0];
  }

  /** Appends a batch; false (nothing written) when it would exceed the bound. */
  async append(payload: Buffer, rows: number, format: BatchFormat): Promise<boolean> {
    const written = await this.#write(this.directory, payload, rows, format);
    if (written === undefined) return false;
    this.#segments.push(written);
    return true;
  }

  /** Keeps a batch ClickHouse refused as invalid, for an operator to inspect (README: "the spool"). */
  async keepRejected(payload: Buffer, rows: number, format: BatchFormat): Promise<string | undefined> {
    const written = await this.#write(join(this.directory, 'rejected'), payload, rows, format);
    return written === undefined ? undefined : join(this.directory, 'rejected', written.name);
  }

  async read(segment: SpoolSegment): Promise<Buffer> {
    return readFile(join(this.directory, segment.name));
  }

  /** Forgets the oldest segment once it is stored (or kept as rejected). */
  async removeOldest(segment: SpoolSegment): Promise<void> {
    if (this.#segments[0] !== segment) throw new Error(`spool segment ${segment.name} is not the oldest`);
    this.#segments.shift();
    this.#bytes -= segment.bytes;
    await rm(join(this.directory, segment.name), { force: true });
  }

  async #write(directory: string, payload: Buffer, rows: number, format: BatchFormat): Promise<SpoolSegment | undefined> {
    const bytes = payload.length;
    if (this.#bytes + bytes > this.maxBytes) return undefined;
    this.#bytes += bytes;
    this.#seq += 1;
    const name = `${String(this.#seq).padStart(16, '0')}-${rows}.${extensions[format]}`;
    const temporary = join(directory, `${name}.tmp`);
    try {
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(payload);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(directory, name));
    } catch (err) {
      this.#bytes -= bytes;
      await rm(temporary, { force: true });
      throw err;
    }
    return { name, rows, bytes, format };
  }
}
