// Preloaded with `--import`: records which npm packages a process loads (by import or by
// require), and writes them, one per line, to the file WARMPATH_TEST_LOADS names when the
// process exits. For tests of what each CLI verb loads.

import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const packages = new Set<string>();
const packageOf = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const match = packageOf.exec(resolved.url);
    if (match?.[1] !== undefined) packages.add(match[1]);
    return resolved;
  },
});

process.on('exit', () => {
  const file = process.env.WARMPATH_TEST_LOADS;
  if (file !== undefined) writeFileSync(file, [...packages].sort().join('\n'));
});
