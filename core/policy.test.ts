import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Requirements, RoutePolicy } from '../schemas/index.ts';
import { certify } from './policy.ts';

const route: RoutePolicy = { region: 'us', retention_days: 30, logs_prompts: false, data_classes: ['public', 'pii'], tools: true };
const none: Requirements = { regions: undefined, max_retention_days: undefined, data_class: undefined, tools: undefined, logs_prompts: undefined };

const cases: { name: string; requires: Partial<Requirements>; policy?: Partial<RoutePolicy>; want: string[] }[] = [
  { name: 'no requirements certify anything', requires: {}, want: [] },
  { name: 'region allowed', requires: { regions: ['us', 'eu'] }, want: [] },
  { name: 'region refused', requires: { regions: ['eu'] }, want: ['region us not in [eu]'] },
  { name: 'retention within max', requires: { max_retention_days: 30 }, want: [] },
  { name: 'retention above max', requires: { max_retention_days: 30 }, policy: { retention_days: 90 }, want: ['retention 90d > max 30d'] },
  { name: 'data class allowed', requires: { data_class: 'pii' }, want: [] },
  { name: 'data class refused', requires: { data_class: 'phi' }, want: ['data class phi not allowed (route allows [public, pii])'] },
  { name: 'tools required, route has none', requires: { tools: true }, policy: { tools: false }, want: ['tools required but the route has tools disabled'] },
  { name: 'tools not required', requires: { tools: false }, policy: { tools: false }, want: [] },
  { name: 'prompt logging forbidden', requires: { logs_prompts: false }, policy: { logs_prompts: true }, want: ['route logs prompts, which the workload forbids'] },
  { name: 'prompt logging allowed', requires: { logs_prompts: true }, policy: { logs_prompts: true }, want: [] },
  {
    name: 'every refusal listed',
    requires: { regions: ['eu'], max_retention_days: 0, data_class: 'phi', tools: true, logs_prompts: false },
    policy: { tools: false, logs_prompts: true },
    want: ['region us not in [eu]', 'retention 30d > max 0d', 'data class phi not allowed (route allows [public, pii])', 'tools required but the route has tools disabled', 'route logs prompts, which the workload forbids'],
  },
];

for (const c of cases) {
  test(`certify: ${c.name}`, () => {
    const verdict = certify({ ...none, ...c.requires }, { ...route, ...c.policy });
    assert.deepEqual(verdict, { certified: c.want.length === 0, refusals: c.want });
  });
}
