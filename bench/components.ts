// Hooks for the component figures that are not HTTP: collector records/s into embedded
// ClickHouse and evaluator pairs/s. Each component owns its measurement and exports it;
// the benchmark only runs it in a fresh process (chDB binds one data directory per
// process) and reads the figure. A component that does not export one yet is reported as
// missing, never as zero. Where each hook is looked for, in order:
//
//   collector/index.ts           measureCollectorThroughput({ records, dataDir }) → { records_per_second }
//   evaluator/index.ts           measureEvaluatorThroughput({ pairs }) or measureScoringThroughput({ pairs })
//   evaluator/scorers/index.ts   measureScoringThroughput({ pairs }) → { pairsPerSecond }
//
//   node dist/bench/components.js '{"component":"collector","dataDir":"/tmp/x","quick":true}'
//     → one line {"component":"collector","perSecond":71234} or {"component":…,"missing":"why"}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ComponentBenchOptions {
  /** A fresh directory the component may use for its embedded ClickHouse. */
  readonly dataDir: string;
  /** The `--quick` run: a smaller sample. */
  readonly quick: boolean;
}

export type ComponentName = 'collector' | 'evaluator';

export interface ComponentResult {
  readonly component: ComponentName;
  readonly perSecond?: number;
  /** What was measured, as the component reported it. */
  readonly detail?: unknown;
  readonly missing?: string;
}

interface Hook {
  /** Module paths relative to the repository root, without extension. */
  readonly candidates: readonly { readonly module: string; readonly exportName: string }[];
  readonly options: (o: ComponentBenchOptions) => Record<string, unknown>;
  /** Result fields holding the figure, first found wins. */
  readonly fields: readonly string[];
}

const hooks: Readonly<Record<ComponentName, Hook>> = {
  collector: {
    candidates: [{ module: 'collector/index', exportName: 'measureCollectorThroughput' }],
    options: (o) => ({ records: o.quick ? 100_000 : 200_000, dataDir: o.dataDir }),
    fields: ['records_per_second', 'recordsPerSecond', 'recordsPerS', 'records_per_s'],
  },
  evaluator: {
    candidates: [
      { module: 'evaluator/index', exportName: 'measureEvaluatorThroughput' },
      { module: 'evaluator/index', exportName: 'measureScoringThroughput' },
      { module: 'evaluator/scorers/index', exportName: 'measureScoringThroughput' },
    ],
    options: (o) => ({ pairs: o.quick ? 5_000 : 20_000 }),
    fields: ['pairs_per_second', 'pairsPerSecond', 'pairsPerS', 'pairs_per_s'],
  },
};

function figure(value: unknown, fields: readonly string[]): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const field of fields) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

export async function measureComponent(component: ComponentName, options: ComponentBenchOptions): Promise<ComponentResult> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const hook = hooks[component];
  for (const { module, exportName } of hook.candidates) {
    const file = join(root, `${module}${ext}`);
    if (!existsSync(file)) continue;
    // A computed specifier: the component may not exist when the benchmark is compiled.
    const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const measure = loaded[exportName];
    if (typeof measure !== 'function') continue;
    const detail: unknown = await (measure as (o: Record<string, unknown>) => unknown)(hook.options(options));
    const perSecond = figure(detail, hook.fields);
    if (perSecond === undefined) return { component, detail, missing: `${module}${ext} ${exportName}() returned no figure` };
    return { component, perSecond, detail };
  }
  return { component, missing: `no ${hook.candidates.map((c) => `${c.module}${ext} ${c.exportName}()`).join(' or ')} yet` };
}

if (import.meta.main) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ComponentBenchOptions & { component: ComponentName };
  const result = await measureComponent(input.component, { dataDir: input.dataDir, quick: input.quick });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // chDB may keep native handles open; the figure is out, the process is done.
  process.exit(0);
}
