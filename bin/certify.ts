// `warmpath certify`: the workload × route certification matrix, each refusal with its reason.

// The policy check alone, not core's index, which loads the serving verbs' libraries.
import { certify } from '../core/policy.ts';
import type { Config } from '../schemas/index.ts';
import { formatTable } from './terminal.ts';

export interface CertificationRow {
  readonly workload: string;
  readonly route: string;
  readonly role: 'primary' | 'secondary';
  readonly certified: boolean;
  readonly refusals: readonly string[];
}

export function certificationMatrix(config: Config): CertificationRow[] {
  const rows: CertificationRow[] = [];
  for (const workload of Object.values(config.workloads)) {
    const members: [CertificationRow['role'], string][] = [['primary', workload.primary], ...workload.secondaries.map((s): [CertificationRow['role'], string] => ['secondary', s])];
    for (const [role, route] of members) {
      const verdict = certify(workload.requires, (config.routes[route] as Config['routes'][string]).policy);
      rows.push({ workload: workload.name, route, role, certified: verdict.certified, refusals: verdict.refusals });
    }
  }
  return rows;
}

export function formatMatrix(rows: readonly CertificationRow[]): string {
  const header = ['WORKLOAD', 'ROUTE', 'ROLE', 'CERTIFIED', 'WHY NOT'];
  const body = rows.map((r) => [r.workload, r.route, r.role, r.certified ? 'yes' : 'no', r.refusals.join('; ')]);
  return formatTable([header, ...body]);
}
