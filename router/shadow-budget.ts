// Shadow spend per workload per UTC day. At 80% of the cap the effective sample rate halves,
// at 95% shadow stops until the next UTC day. Spend is checked before each shadow call goes
// out, so the cap is exceeded by at most the calls already in flight.

export type BudgetState = 'normal' | 'halved' | 'stopped';

export const budgetStateValue: Readonly<Record<BudgetState, number>> = { normal: 0, halved: 1, stopped: 2 };

const dayMs = 86_400_000;

export interface BudgetCrossing {
  readonly workload: string;
  readonly state: BudgetState;
  readonly spentUsd: number;
  readonly capUsd: number;
}

export class ShadowBudget {
  readonly #caps: ReadonlyMap<string, number | undefined>;
  readonly #spent = new Map<string, number>();
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
      this.#announced.clear();
    }
  }

  spentToday(workload: string, nowMs: number): number {
    this.#roll(nowMs);
    return this.#spent.get(workload) ?? 0;
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

  add(workload: string, costUsd: number, nowMs: number): void {
    this.#roll(nowMs);
    this.#spent.set(workload, (this.#spent.get(workload) ?? 0) + costUsd);
    const state = this.state(workload, nowMs);
    const before = this.#announced.get(workload) ?? 'normal';
    if (state !== before) {
      this.#announced.set(workload, state);
      this.#onCrossing({ workload, state, spentUsd: this.#spent.get(workload) ?? 0, capUsd: this.#caps.get(workload) ?? 0 });
    }
  }
}
