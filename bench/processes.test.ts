import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ephemeralPortRange, freePort } from './processes.ts';

const rangeCases: { name: string; file: string | undefined; want: { low: number; high: number } }[] = [
  { name: "Linux's file, tab-separated", file: '32768\t60999\n', want: { low: 32768, high: 60999 } },
  { name: 'spaces', file: '49152 65535', want: { low: 49152, high: 65535 } },
  { name: 'no such file: IANA range', file: undefined, want: { low: 49152, high: 65535 } },
  { name: 'unreadable contents: IANA range', file: 'low high', want: { low: 49152, high: 65535 } },
];

for (const c of rangeCases) {
  test(`ephemeralPortRange: ${c.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'warmpath-ports-'));
    try {
      const file = join(dir, 'ip_local_port_range');
      if (c.file !== undefined) writeFileSync(file, c.file);
      assert.deepEqual(ephemeralPortRange(file), c.want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('freePort: a port below the ephemeral range that a server can then listen on', async () => {
  const { low } = ephemeralPortRange();
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    assert.ok(port >= 10_000 && port < Math.min(low, 32768), `port ${port} is outside 10000..${Math.min(low, 32768) - 1}`);
    const server = createServer().listen(port, '127.0.0.1');
    await once(server, 'listening');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
