// The plugin's expansion rules (../shared/facts.md, "Grafana"), case by case.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyConditionalAll, expandDashboardQuery, expandTimeMacros, interpolateVariables, type Variables } from './macros.ts';

// 2026-01-02 03:04:05.678 UTC to 04:04:05.999, interval 90.5 s.
const range = { fromMs: 1767323045678, toMs: 1767326645999, intervalMs: 90_500 };

const timeCases: { name: string; sql: string; want: string }[] = [
  { name: '$__timeFilter: whole seconds', sql: 'WHERE $__timeFilter(ts)', want: 'WHERE ts >= toDateTime(1767323045) AND ts <= toDateTime(1767326645)' },
  { name: '$__timeFilter_ms: milliseconds', sql: 'WHERE $__timeFilter_ms(ts)', want: 'WHERE ts >= fromUnixTimestamp64Milli(1767323045678) AND ts <= fromUnixTimestamp64Milli(1767326645999)' },
  { name: '$__fromTime / $__toTime', sql: '$__fromTime, $__toTime', want: 'toDateTime(1767323045), toDateTime(1767326645)' },
  { name: '$__timeInterval: floor of the interval in seconds', sql: '$__timeInterval(ts) AS t', want: 'toStartOfInterval(toDateTime(ts), INTERVAL 90 second) AS t' },
  { name: '$__interval_s', sql: 'INTERVAL $__interval_s second', want: 'INTERVAL 90 second' },
  { name: 'argument spaces are trimmed', sql: '$__timeFilter_ms( p.ts )', want: 'p.ts >= fromUnixTimestamp64Milli(1767323045678) AND p.ts <= fromUnixTimestamp64Milli(1767326645999)' },
];
for (const c of timeCases) test(c.name, () => assert.equal(expandTimeMacros(c.sql, range), c.want));

test('an interval under a second counts as 1 s', () => {
  assert.equal(expandTimeMacros('$__interval_s', { ...range, intervalMs: 1000 }), '1');
  assert.equal(expandTimeMacros('$__interval_s', { ...range, intervalMs: 200 }), '1');
});

const cond = "$__conditionalAll(workload IN (${workload:singlequote}), $workload)";
const variableCases: { name: string; vars: Variables; want: string }[] = [
  { name: 'All: the condition becomes 1=1', vars: { workload: { all: true, options: ['a', 'b'] } }, want: '1=1' },
  { name: 'nothing selected: 1=1', vars: { workload: { all: false, values: [] } }, want: '1=1' },
  { name: 'one value', vars: { workload: { all: false, values: ['support'] } }, want: "workload IN ('support')" },
  { name: 'several values, quotes escaped', vars: { workload: { all: false, values: ['a', "o'b"] } }, want: "workload IN ('a','o\\'b')" },
];
for (const c of variableCases) test(`$__conditionalAll + \${var:singlequote}: ${c.name}`, () => assert.equal(interpolateVariables(applyConditionalAll(cond, c.vars), c.vars), c.want));

test('nested and repeated $__conditionalAll are all expanded; other text is kept', () => {
  const vars: Variables = { workload: { all: true, options: ['a'] }, route: { all: false, values: ['r1', 'r2'] } };
  const sql = `x AND (k = 1 OR (k = 2 AND $__conditionalAll(route IN (\${route:singlequote}), $route))) AND ${cond}`;
  assert.equal(interpolateVariables(applyConditionalAll(sql, vars), vars), "x AND (k = 1 OR (k = 2 AND route IN ('r1','r2'))) AND 1=1");
});

test('default format: one value as is, several quoted; macros and unknown names untouched', () => {
  const vars: Variables = { one: { all: false, values: ['v'] }, many: { all: false, values: ['x', 'y'] } };
  assert.equal(interpolateVariables('$one ${one} $many $__toTime $other', vars), "v v 'x','y' $__toTime $other");
});

test('hasAny(array, [${route:singlequote}]) for a multi-value route', () => {
  const vars: Variables = { route: { all: false, values: ['s', 'd'] } };
  const sql = '$__conditionalAll(hasAny(attempt_routes, [${route:singlequote}]), $route)';
  assert.equal(expandDashboardQuery(sql, vars, range), "hasAny(attempt_routes, ['s','d'])");
});
