// Shadow spend per workload per UTC day. At 80% of the cap the effective sample rate halves,
// at 95% shadow stops until the next UTC day. Spend is checked before each shadow call goes
// out, so the cap is exceeded by at most the calls already in flight.
//
// A router counts its own calls as they end. What is stored (by every router, and by this one
// before a restart) comes in through `reconcile` (router/spend-sync.ts): the day's spend of
// rows inserted before a horizon, to which the router adds its own calls ended since, not
// stored yet. The larger of that and the router's own count is the day's spend, so a restart
// does not forget the day, and N routers hold one cap between them, each late by the time
// the others' calls take to be stored and read.

export type BudgetState = 'normal' | 'halved' | 'stopped';

export const budgetStateValue: Readonly<Record<BudgetState, number>> = { normal: 0, halved: 1, stopped: 2 };

const dayMs = 86_400_000;

// Own calls are kept this long for the next reconcile, whose horizon is about a minute back
// (collector/spend.ts): older ones are in storage, or the router's own count covers them.
const recentKeptMs = 600_000;

export interface BudgetCrossing {
  readonly workload: string;
  readonly state: BudgetState;
  readonly spentUsd: number;
  readonly capUsd: number;
}

/** The day's stored spend up to a horizon, for one workload. */
interface StoredSpend {
  /** Stored spend of rows inserted before `asOfMs`. */
  usd: number;
  asOfMs: number;
  /** This router's calls ended at or after `asOfMs`: what the stored figure cannot hold yet. */
  ownSinceUsd: number;
}

interface OwnCall {
  readonly endedAtMs: number;
  readonly usd: number;
}

export class ShadowBudget {
  readonly #caps: ReadonlyMap<string, number | undefined>;
  readonly #spent = new Map<string, number>();
  readonly #stored = new Map<string, StoredSpend>();
  /** Own calls of the last `recentKeptMs` per capped workload: what storage may not hold yet. */
  readonly #recent = new Map<string, OwnCall[]>();
  readonly #announced = new Map<string, BudgetState>();
  readonly #onCrossing: (crossing: BudgetCrossing) => void;
  #day = -1;

  /** `caps`: daily cap in USD per workload; undefined means no cap. */
  constructor(caps: ReadonlyMap<string, number | undefined>, onCrossing: (crossing: BudgetCrossing) => void) {
    this.#caps = caps;
    this.#onCrossing = onCrossing;
  }

  #roll(nowMs: number): void {
    const day = Math.floor(nowMs / dayMs);
    if (day !== this.#day) {
      this.#day = day;
      this.#spent.clear();
      this.#stored.clear();
      this.#recent.clear();
      this.#announced.clear();
    }
  }

  /** Start of the UTC day `nowMs` falls in. */
  static dayStart(nowMs: number): number {
    return Math.floor(nowMs / dayMs) * dayMs;
  }

  spentToday(workload: string, nowMs: number): number {
    this.#roll(nowMs);
    const own = this.#spent.get(workload) ?? 0;
    const stored = this.#stored.get(workload);
    return stored === undefined ? own : Math.max(own, stored.usd + stored.ownSinceUsd);
  }

  state(workload: string, nowMs: number): BudgetState {
    const cap = this.#caps.get(workload);
    if (cap === undefined) return 'normal';
    const spent = this.spentToday(workload, nowMs);
    if (cap === 0 || spent >= cap * 0.95) return 'stopped';
    return spent >= cap * 0.8 ? 'halved' : 'normal';
  }

  /** The sample rate to apply now, given the configured one. */
  effectiveRate(workload: string, sampleRate: number, nowMs: number): number {
    const state = this.state(workload, nowMs);
    return state === 'stopped' ? 0 : state === 'halved' ? sampleRate / 2 : sampleRate;
  }

  /** Counts one of this router's calls, ended now. */
  add(workload: string, costUsd: number, nowMs: number): void {
    this.#roll(nowMs);
    this.#spent.set(workload, (this.#spent.get(workload) ?? 0) + costUsd);
    if (this.#caps.get(workload) !== undefined) {
      const stored = this.#stored.get(workload);
      if (stored !== undefined && nowMs >= stored.asOfMs) stored.ownSinceUsd += costUsd;
      let recent = this.#recent.get(workload);
      if (recent === undefined) this.#recent.set(workload, (recent = []));
      recent.push({ endedAtMs: nowMs, usd: costUsd });
      while ((recent[0]?.endedAtMs ?? nowMs) < nowMs - recentKeptMs) recent.shift();
    }
    this.#announce(workload, nowMs);
  }

  /**
   * Takes the stored spend per capped workload (absent: none stored) of the UTC day from
   * `dayStartMs`, of rows inserted before `asOfMs`. Own calls that ended before `asOfMs` are
   * taken to be among them. A figure for another day than today's is ignored.
   */
  reconcile(storedUsd: ReadonlyMap<string, number>, dayStartMs: number, asOfMs: number, nowMs: number): void {
    this.#roll(nowMs);
    if (dayStartMs !== this.#day * dayMs) return;
    for (const [workload, cap] of this.#caps) {
      if (cap === undefined) continue;
      const recent = (this.#recent.get(workload) ?? []).filter((call) => call.endedAtMs >= asOfMs);
      this.#recent.set(workload, recent);
      const ownSinceUsd = recent.reduce((sum, call) => sum + call.usd, 0);
      this.#stored.set(workload, { usd: storedUsd.get(workload) ?? 0, asOfMs, ownSinceUsd });
      this.#announce(workload, nowMs);
    }
  }

  #announce(workload: string, nowMs: number): void {
    const state = this.state(workload, nowMs);
    const before = this.#announced.get(workload) ?? 'normal';
    if (state !== before) {
      this.#announced.set(workload, state);
      this.#onCrossing({ workload, state, spentUsd: this.spentToday(workload, nowMs), capUsd: this.#caps.get(workload) ?? 0 });
    }
  }
}
