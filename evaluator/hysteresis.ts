// Eligibility with hysteresis: a route leaves at once on a failing evaluation and re-enters
// only after `enterAfter` consecutive passing ones. Every change is reported.

export interface RouteState {
  readonly eligible: boolean;
  /** Epoch ms of the last change (or of the first evaluation). */
  readonly since: number;
  readonly passStreak: number;
}

export interface Transition {
  readonly state: RouteState;
  readonly changed: boolean;
}

export function nextState(previous: RouteState | undefined, passing: boolean, enterAfter: number, now: number): Transition {
  const current = previous ?? { eligible: false, since: now, passStreak: 0 };
  if (!passing) {
    const state = { eligible: false, since: current.eligible ? now : current.since, passStreak: 0 };
    return { state, changed: current.eligible };
  }
  const passStreak = current.passStreak + 1;
  if (!current.eligible && passStreak >= enterAfter) return { state: { eligible: true, since: now, passStreak }, changed: true };
  return { state: { eligible: current.eligible, since: current.since, passStreak }, changed: false };
}
