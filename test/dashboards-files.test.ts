// The generated Grafana files: committed copies are fresh, the JSON is what Grafana and the
// ClickHouse plugin expect, and `warmpath dashboards` writes them (--out) and uploads them
// (--push) to a fake Grafana that records what it received.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../core/index.ts';
import { artifactFiles, buildArtifacts, clickhousePluginId, escapeDollars, type Artifacts } from '../dashboards/index.ts';
import { runCliAsync } from './helpers/cli.ts';
import { tempDir } from './helpers/clickhouse.ts';

const root = join(import.meta.dirname, '..');
const exampleConfig = join(root, 'warmpath.example.yaml');
const artifacts = (): Artifacts => buildArtifacts(loadConfig(exampleConfig));
const cli = (args: string[]) => runCliAsync(['dashboards', '--config', exampleConfig, ...args]);

test('dashboards/generated/ is what warmpath.example.yaml generates (regenerate: warmpath dashboards --config warmpath.example.yaml --out dashboards/generated)', () => {
  for (const file of artifactFiles(artifacts())) {
    assert.equal(readFileSync(join(root, 'dashboards/generated', file.path), 'utf8'), file.content, `${file.path} is stale`);
  }
});

test('dashboards: unique panel ids, the datasource variable on every panel, query and variable, links between them', () => {
  const [overview, detail] = artifacts().dashboards;
  for (const d of [overview, detail]) {
    assert.ok(d !== undefined);
    const panels = d.panels ?? [];
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids are unique`);
    assert.ok(ids.every((id) => Number.isInteger(id) && (id as number) > 0));
    const variables = d.templating.list ?? [];
    assert.deepEqual(variables.map((v) => v.name), ['datasource', 'workload', 'route']);
    assert.deepEqual([variables[0]?.type, variables[0]?.query], ['datasource', clickhousePluginId]);
    const ref = { type: clickhousePluginId, uid: '${datasource}' };
    for (const v of variables.slice(1)) {
      assert.equal(v.type, 'query');
      assert.deepEqual(v.datasource, ref, `${d.uid}/${v.name}`);
    }
    for (const p of panels) {
      if (p.type === 'row') continue;
      assert.ok('targets' in p && p.title && p.description, `${d.uid}: panel ${p.id} has a title, a description and targets`);
      assert.deepEqual(p.datasource, ref, `${d.uid}/${p.title}`);
      assert.equal(p.targets?.length, 1);
      const target = p.targets?.[0] as unknown as Record<string, unknown>;
      assert.deepEqual(target.datasource, ref);
      assert.equal(target.editorType, 'sql');
      assert.ok(target.format === 0 || target.format === 1);
      assert.equal(target.format === 0, !['table', 'stat', 'barchart'].includes(p.type), `${p.title}: time series format only for time panels`);
      assert.doesNotMatch(String(target.rawSql), /\{\{|;\s*$/, 'constants rendered, no trailing semicolon');
    }
  }
  assert.ok(JSON.stringify(overview).includes('/d/warmpath-route-detail/'), 'overview links to the route detail');
  assert.ok(JSON.stringify(overview).includes('var-workload=${__data.fields.workload}&var-route=${__data.fields.route}'));
  assert.ok(JSON.stringify(detail).includes('/d/warmpath-overview/'), 'and back');
  assert.equal(detail?.templating.list?.find((v) => v.name === 'route')?.multi, false, 'one route in the detail');
});

test('alert rules: HTTP provisioning shape, every rule complete; the file shape is the same rules with $ escaped', () => {
  const a = artifacts();
  const group = a.ruleGroup;
  assert.deepEqual([group.title, group.folderUid, group.interval], ['warmpath', 'warmpath', 60]);
  const rules = group.rules ?? [];
  assert.equal(rules.length, 8);
  assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length);
  for (const r of rules) {
    assert.ok((r.uid ?? '').length > 0 && (r.uid ?? '').length <= 40, `${r.uid}: Grafana rule uids are at most 40 characters`);
    assert.deepEqual([r.orgID, r.folderUID, r.ruleGroup, r.condition, r.execErrState], [1, 'warmpath', 'warmpath', 'C', 'Error'], r.title);
    assert.match(r.for, /^\d+[smh]$/);
    assert.deepEqual(r.data.map((q) => q.refId), ['A', 'B', 'C']);
    const [q, reduce, threshold] = r.data.map((d) => d.model as unknown as Record<string, unknown>) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual([r.data[0]?.datasourceUid, q.editorType, q.format, (q.datasource as { type: string }).type], ['warmpath-clickhouse', 'sql', 1, clickhousePluginId]);
    assert.doesNotMatch(String(q.rawSql), /\$__conditionalAll|\$\{|\$(?!__)\w|\{\{/, 'no dashboard variables or unrendered constants in alert SQL');
    assert.deepEqual([reduce.type, reduce.expression, reduce.reducer, r.data[1]?.datasourceUid], ['reduce', 'A', 'last', '__expr__']);
    assert.deepEqual([threshold.type, threshold.expression, r.data[2]?.datasourceUid], ['threshold', 'B', '__expr__']);
    for (const d of r.data) {
      assert.equal((d.model as unknown as { intervalMs: number }).intervalMs, 60_000, 'intervalMs set explicitly');
      assert.deepEqual(d.relativeTimeRange, { from: 600, to: 0 });
    }
    assert.ok(r.annotations?.summary && r.annotations.description && r.annotations.__dashboardUid__ === 'warmpath-overview' && r.annotations.__panelId__);
    assert.deepEqual([r.labels?.workload, r.labels?.route, r.labels?.source], ['{{ $labels.workload }}', '{{ $labels.route }}', 'warmpath']);
  }
  const file = parse(readFileSync(join(root, 'dashboards/generated/alerting/warmpath.yaml'), 'utf8')) as Artifacts['provisioning'];
  assert.equal(file.apiVersion, 1);
  const fileGroup = file.groups[0];
  assert.deepEqual([file.groups.length, fileGroup?.orgId, fileGroup?.name, fileGroup?.folder, fileGroup?.interval], [1, 1, 'warmpath', 'warmpath', '60s']);
  const unescape = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll('$$', '$'));
  assert.ok(!JSON.stringify(fileGroup?.rules).match(/(?<!\$)\$(?!\$)/), 'every $ is doubled');
  for (const [i, fileRule] of (fileGroup?.rules ?? []).entries()) {
    const r = rules[i];
    assert.deepEqual(unescape(fileRule), { uid: r?.uid, title: r?.title, condition: 'C', data: r?.data, noDataState: r?.noDataState, execErrState: 'Error', for: r?.for, annotations: r?.annotations, labels: r?.labels, isPaused: false });
  }
  assert.equal(escapeDollars('$__toTime {{ $labels.x }}'), '$$__toTime {{ $$labels.x }}');
});

test('warmpath dashboards --out DIR writes the four files; with neither --out nor --push it is a usage error', async () => {
  const dir = tempDir('dashboards-out');
  const r = await cli(['--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  for (const file of artifactFiles(artifacts())) {
    assert.match(r.stdout, new RegExp(`wrote .*${file.path}`));
    assert.equal(readFileSync(join(dir, file.path), 'utf8'), file.content);
  }
  const usage = await cli([]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--out DIR and\/or --push URL/);
  assert.equal((await cli(['--push', 'http://127.0.0.1:1'])).status, 2, '--push without a token');
});

interface Received { method: string; url: string; authorization: string | undefined; body: unknown }

async function fakeGrafana(failRuleGroup: boolean) {
  const received: Received[] = [];
  let folderExists = false;
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    received.push({ method: req.method as string, url: req.url as string, authorization: req.headers.authorization, body: text === '' ? undefined : JSON.parse(text) });
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url === '/api/folders/warmpath') return folderExists ? reply(200, { uid: 'warmpath' }) : reply(404, { message: 'folder not found' });
    if (req.method === 'POST' && req.url === '/api/folders') return (folderExists = true), reply(200, { uid: 'warmpath', title: 'warmpath' });
    if (req.method === 'POST' && req.url === '/api/dashboards/db') {
      const uid = (received.at(-1)?.body as { dashboard: { uid: string } }).dashboard.uid;
      return reply(200, { status: 'success', uid, url: `/d/${uid}/x`, version: 1 });
    }
    if (req.method === 'PUT' && req.url === '/api/v1/provisioning/folder/warmpath/rule-groups/warmpath') {
      return failRuleGroup ? reply(400, { message: 'invalid alert rule' }) : reply(200, { title: 'warmpath' });
    }
    return reply(404, { message: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((r) => server.close(r)) };
}

test('warmpath dashboards --push URL uploads the folder, both dashboards and the rule group, reporting each', async () => {
  const grafana = await fakeGrafana(false);
  try {
    const tokenFile = join(tempDir('grafana-token'), 'token');
    writeFileSync(tokenFile, 'glsa_test_token\n');
    const r = await cli(['--push', `${grafana.url}/`, '--token-file', tokenFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(grafana.received.map((x) => `${x.method} ${x.url}`), [
      'GET /api/folders/warmpath',
      'POST /api/folders',
      'POST /api/dashboards/db',
      'POST /api/dashboards/db',
      'PUT /api/v1/provisioning/folder/warmpath/rule-groups/warmpath',
    ]);
    assert.ok(grafana.received.every((x) => x.authorization === 'Bearer glsa_test_token'));
    const a = artifacts();
    const [, folder, d1, d2, group] = grafana.received.map((x) => x.body as Record<string, unknown>);
    assert.deepEqual(folder, { uid: 'warmpath', title: 'warmpath' });
    for (const [body, want] of [[d1, a.dashboards[0]], [d2, a.dashboards[1]]] as const) {
      assert.deepEqual([body?.folderUid, body?.overwrite], ['warmpath', true]);
      assert.deepEqual(body?.dashboard, { ...want, id: null });
    }
    assert.deepEqual(group, a.ruleGroup);
    assert.match(r.stdout, /ok {4} folder warmpath \(created\): HTTP 200/);
    assert.match(r.stdout, /ok {4} dashboard warmpath-overview: HTTP 200 status=success url=\/d\/warmpath-overview\/x version=1/);
    assert.match(r.stdout, /ok {4} alert rule group warmpath\/warmpath \(8 rules\): HTTP 200/);
  } finally {
    await grafana.close();
  }
});

test('a refused upload is reported and exits 1; an unreachable Grafana too', async () => {
  const grafana = await fakeGrafana(true);
  try {
    const r = await cli(['--push', grafana.url, '--token', 't', '--datasource-uid', 'my-ch']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAILED alert rule group warmpath\/warmpath \(8 rules\): HTTP 400 message=invalid alert rule/);
    assert.match(r.stderr, /1 of 4 uploads .* failed/);
    const group = grafana.received.at(-1)?.body as Artifacts['ruleGroup'];
    assert.ok(group.rules?.every((rule) => rule.data[0]?.datasourceUid === 'my-ch'), '--datasource-uid reaches the rules');
  } finally {
    await grafana.close();
  }
  const down = await cli(['--push', grafana.url, '--token', 't']);
  assert.equal(down.status, 1);
  assert.match(down.stdout, /FAILED folder warmpath: unreachable/);
});
