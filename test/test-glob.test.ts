// `npm test` names the folders it searches for tests, so a git worktree or a scratch copy
// under tmp/ is not run as part of the suite. A component folder missing from that list
// would have its tests silently skipped: this test finds every test file in the checkout
// and requires the script's pattern to match it.

import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
// Not part of the source tree: installed packages, build output, scratch space, local data.
const outsideTheSource = /^(node_modules|dist|tmp|data)\//;

function testPatternOfNpmTest(): string {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const match = /node --test .*"([^"]+\.test\.ts)"/.exec(scripts.test ?? '');
  assert.ok(match?.[1] !== undefined, `the test script names no quoted *.test.ts pattern: ${scripts.test}`);
  return match[1];
}

test('npm test runs every test file of the source tree, and none under tmp/', () => {
  const pattern = testPatternOfNpmTest();
  const testFiles = globSync('**/*.test.ts', { cwd: root, exclude: (path) => outsideTheSource.test(`${path}/`) });
  assert.ok(testFiles.length > 50, `found only ${testFiles.length} test files under ${root}`);
  const missed = testFiles.filter((file) => !matchesGlob(file, pattern));
  assert.deepEqual(missed, [], `test files the npm test pattern ${pattern} does not match`);
  assert.equal(matchesGlob('tmp/worktree/router/app.test.ts', pattern), false, 'a worktree under tmp/ would run with the suite');
});
