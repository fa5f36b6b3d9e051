// Uploads the artifacts through Grafana's HTTP API with a service-account token: the alert
// folder (created when missing), each dashboard (POST /api/dashboards/db, overwriting), and
// the rule group (PUT /api/v1/provisioning/folder/{uid}/rule-groups/{group}). Every step is
// tried and reported; one failing does not stop the others.

import type { Artifacts } from './generate.ts';

export interface PushStep {
  readonly what: string;
  readonly ok: boolean;
  /** HTTP status, 0 when Grafana could not be reached. */
  readonly status: number;
  readonly detail: string;
}

export interface PushOptions {
  readonly token: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly body?: unknown;
}

export async function pushArtifacts(grafanaUrl: string, artifacts: Artifacts, options: PushOptions): Promise<PushStep[]> {
  const base = grafanaUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const call = async ({ method, path, body }: Call): Promise<{ status: number; text: string }> => {
    const response = await doFetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    return { status: response.status, text: await response.text() };
  };
  const step = async (what: string, request: Call, accept: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<PushStep> => {
    try {
      const { status, text } = await call(request);
      return { what, ok: accept(status), status, detail: summarise(text) };
    } catch (err) {
      return { what, ok: false, status: 0, detail: (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message };
    }
  };

  const { folderUid, folderTitle, ruleGroup } = artifacts.target;
  const steps: PushStep[] = [];
  const folder = await step(`folder ${folderUid}`, { method: 'GET', path: `/api/folders/${encodeURIComponent(folderUid)}` });
  steps.push(
    folder.status === 404
      ? await step(`folder ${folderUid} (created)`, { method: 'POST', path: '/api/folders', body: { uid: folderUid, title: folderTitle } })
      : folder,
  );
  for (const dashboard of artifacts.dashboards) {
    steps.push(
      await step(`dashboard ${dashboard.uid as string}`, {
        method: 'POST',
        path: '/api/dashboards/db',
        body: { dashboard: { ...dashboard, id: null }, folderUid, overwrite: true, message: 'warmpath dashboards --push' },
      }),
    );
  }
  steps.push(
    await step(`alert rule group ${folderUid}/${ruleGroup} (${artifacts.ruleGroup.rules?.length ?? 0} rules)`, {
      method: 'PUT',
      path: `/api/v1/provisioning/folder/${encodeURIComponent(folderUid)}/rule-groups/${encodeURIComponent(ruleGroup)}`,
      body: artifacts.ruleGroup,
    }),
  );
  return steps;
}

/** Grafana answers JSON: keep its status/url/message, never a whole page. */
function summarise(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = ['status', 'url', 'version', 'message', 'title'].flatMap((k) => (body[k] === undefined ? [] : [`${k}=${String(body[k])}`]));
    return parts.join(' ') || text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

export function formatPushSteps(steps: readonly PushStep[]): string {
  return steps.map((s) => `${s.ok ? 'ok    ' : 'FAILED'} ${s.what}: ${s.status === 0 ? 'unreachable' : `HTTP ${s.status}`}${s.detail === '' ? '' : ` ${s.detail}`}`).join('\n');
}
