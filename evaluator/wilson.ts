/**
 * Lower bound of the Wilson score interval for a pass rate: the rate we are confident the
 * route reaches given `passes` out of `n`. z = 1.96 (95% two-sided), so 50 passes out of
 * 50 give 0.929, not 1: small windows cannot prove a 95% pass rate.
 */
export function wilsonLowerBound(passes: number, n: number, z = 1.96): number {
  if (n <= 0) return 0;
  const p = passes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}
