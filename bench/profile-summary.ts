// Summarises a V8 .cpuprofile (from `npm run bench -- --profile DIR`, which starts the
// warmpath processes with --cpu-prof): self time per function and per package, and the
// inclusive time of warmpath's own functions, so a missed target can be traced to code.
//
//   node dist/bench/profile-summary.js FILE.cpuprofile [--top N]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code lives: a package, node's internals, warmpath's own folders, or V8. */
export function owner(url: string): string {
  if (url === '') return '(v8 / native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1] as string;
  const own = /\/(?:dist\/)?(bin|core|schemas|providers|router|collector|evaluator|dashboards|bench)\//.exec(url);
  return own !== null ? `warmpath ${own[1] as string}/` : url;
}

export function summarise(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  let idleUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    // Shares are of busy time: an idle process says nothing about its hot path.
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      idleUs += dt;
      return;
    }
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const label = (n: ProfileNode): string => {
    const file = n.callFrame.url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^file:\/\/.*\/(dist\/)?/, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const selfByFn = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  const inclusiveOwn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (n === undefined) continue;
    selfByFn.set(label(n), (selfByFn.get(label(n)) ?? 0) + us);
    const o = owner(n.callFrame.url);
    selfByOwner.set(o, (selfByOwner.get(o) ?? 0) + us);
    // Inclusive time of warmpath's own functions: each sample charges every own frame on its stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur);
      if (f === undefined || !owner(f.callFrame.url).startsWith('warmpath')) continue;
      const l = label(f);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusiveOwn.set(l, (inclusiveOwn.get(l) ?? 0) + us);
    }
  }
  const share = (us: number): string => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>): string =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${share(us)}  ${k}`)
      .join('\n');
  return [
    `profile: ${(totalUs / 1e6).toFixed(1)} s busy, ${(idleUs / 1e6).toFixed(1)} s idle; shares are of busy time`,
    'self time by owner:',
    list(selfByOwner),
    'self time by function:',
    list(selfByFn),
    "inclusive time of warmpath's own functions:",
    list(inclusiveOwn),
  ].join('\n');
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  for (const file of positionals) {
    process.stdout.write(`${file}\n${summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top))}\n\n`);
  }
}
