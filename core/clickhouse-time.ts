// The text form of DateTime64(3) in UTC that every ClickHouse parses: `YYYY-MM-DD hh:mm:ss.sss`.

const isoMillisUtc = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** ISO 8601 (any offset, any precision) → `YYYY-MM-DD hh:mm:ss.sss` UTC. Throws on an invalid time. */
export function clickHouseTime(iso: string): string {
  const normal = isoMillisUtc.test(iso) ? iso : new Date(iso).toISOString();
  return `${normal.slice(0, 10)} ${normal.slice(11, 23)}`;
}

/** Epoch milliseconds → `YYYY-MM-DD hh:mm:ss.sss` UTC. */
export function clickHouseTimeOf(ms: number): string {
  return clickHouseTime(new Date(ms).toISOString());
}

/** `YYYY-MM-DD hh:mm:ss[.sss]` UTC → epoch milliseconds. */
export function parseClickHouseTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/**
 * How long an insert may take from taking its `inserted_at` (when it starts) to being
 * visible (when it commits); batches commit within seconds, this leaves a wide margin.
 */
export const insertVisibleWithinS = 60;

/**
 * Storage's own clock (the one `inserted_at` is in) less `{margin:UInt32}` seconds, as
 * `horizon` text: with `insertVisibleWithinS`, every row that becomes visible from now on
 * was inserted after it. The evaluator's watermark and the stored-spend reads end there.
 */
export const insertHorizonSql = `SELECT toString(now64(3, 'UTC') - toIntervalSecond({margin:UInt32})) AS horizon`;
