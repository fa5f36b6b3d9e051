// `warmpath dashboards`: writes the Grafana dashboards and alert rules built from the config
// (--out DIR) and/or uploads them through Grafana's HTTP API (--push URL with a token).

import { readFileSync } from 'node:fs';
// The defaults alone, not the index: the help text needs them, and the index loads the
// Grafana SDK, which only this verb's run uses (it is imported there).
import { defaultAlertTarget } from '../dashboards/alert-target.ts';
import type { Config } from '../schemas/index.ts';
import type { Output } from './terminal.ts';

/** Options of this verb, merged into the CLI's parseArgs options. */
export const dashboardsOptions = {
  out: { type: 'string' },
  push: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'datasource-uid': { type: 'string' },
  folder: { type: 'string' },
} as const;

export const dashboardsHelp = `Options of \`warmpath dashboards\`:
  --out DIR              write dashboards/*.json, alerting/warmpath.yaml (file provisioning) and
                         api/warmpath.rule-group.json (HTTP provisioning body) under DIR
  --push URL             upload to the Grafana at URL (folder, dashboards, alert rule group)
  --token TOKEN          Grafana service-account token for --push (or:)
  --token-file FILE      read the token from FILE (trailing newline dropped)
  --datasource-uid UID   uid of the ClickHouse datasource the alert rules query (default ${defaultAlertTarget.datasourceUid})
  --folder UID           Grafana folder uid (and title) for the dashboards and rules (default ${defaultAlertTarget.folderUid})
`;

export interface DashboardsArgs {
  readonly out?: string | undefined;
  readonly push?: string | undefined;
  readonly token?: string | undefined;
  readonly 'token-file'?: string | undefined;
  readonly 'datasource-uid'?: string | undefined;
  readonly folder?: string | undefined;
}


export async function runDashboards(config: Config, args: DashboardsArgs, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  if (args.out === undefined && args.push === undefined) {
    err.write(`warmpath dashboards: give --out DIR and/or --push URL\n\n${dashboardsHelp}`);
    return 2;
  }
  let token = args.token;
  if (args.push !== undefined && token === undefined && args['token-file'] !== undefined) {
    try {
      token = readFileSync(args['token-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      err.write(`warmpath dashboards: cannot read --token-file ${args['token-file']}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 1;
    }
  }
  if (args.push !== undefined && (token === undefined || token === '')) {
    err.write('warmpath dashboards: --push needs --token or --token-file (a Grafana service-account token with Editor rights)\n');
    return 2;
  }
  const { artifactFiles, buildArtifacts, formatPushSteps, pushArtifacts, writeArtifacts } = await import('../dashboards/index.ts');
  const folder = args.folder ?? defaultAlertTarget.folderUid;
  const artifacts = buildArtifacts(config, {
    ...defaultAlertTarget,
    datasourceUid: args['datasource-uid'] ?? defaultAlertTarget.datasourceUid,
    folderUid: folder,
    folderTitle: folder,
  });
  if (args.out !== undefined) {
    for (const path of await writeArtifacts(args.out, artifactFiles(artifacts))) out.write(`wrote ${path}\n`);
  }
  if (args.push !== undefined) {
    const steps = await pushArtifacts(args.push, artifacts, { token: token as string });
    out.write(`${formatPushSteps(steps)}\n`);
    if (steps.some((s) => !s.ok)) {
      err.write(`warmpath dashboards: ${steps.filter((s) => !s.ok).length} of ${steps.length} uploads to ${args.push} failed\n`);
      return 1;
    }
  }
  return 0;
}
