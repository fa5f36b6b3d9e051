// Policy certification: may this route serve (or even see) this workload's traffic?
// Mirroring a prompt to a route that keeps data longer is itself a breach, so the same
// answer gates failover and shadow traffic.

import type { Requirements, RoutePolicy } from '../schemas/config.ts';

export interface Certification {
  readonly certified: boolean;
  /** One line per requirement the route breaks, e.g. "retention 90d > max 30d". */
  readonly refusals: readonly string[];
}

export function certify(requires: Requirements, policy: RoutePolicy): Certification {
  const refusals: string[] = [];
  if (requires.regions !== undefined && !requires.regions.includes(policy.region)) {
    refusals.push(`region ${policy.region} not in [${requires.regions.join(', ')}]`);
  }
  if (requires.max_retention_days !== undefined && policy.retention_days > requires.max_retention_days) {
    refusals.push(`retention ${policy.retention_days}d > max ${requires.max_retention_days}d`);
  }
  if (requires.data_class !== undefined && !policy.data_classes.includes(requires.data_class)) {
    refusals.push(`data class ${requires.data_class} not allowed (route allows [${policy.data_classes.join(', ')}])`);
  }
  if (requires.tools === true && !policy.tools) {
    refusals.push('tools required but the route has tools disabled');
  }
  if (requires.logs_prompts === false && policy.logs_prompts) {
    refusals.push('route logs prompts, which the workload forbids');
  }
  return { certified: refusals.length === 0, refusals };
}
