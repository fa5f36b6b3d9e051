// Named server-sent events as warmpath's Anthropic and Responses streams write them, parsed
// strictly for tests: every event one `event:` line and one `data:` line of JSON whose
// `type` is the event's name, each ended by a blank line.

import assert from 'node:assert/strict';

export interface SseEvent {
  readonly type: string;
  readonly [k: string]: unknown;
}

export function parseNamedSse(text: string): SseEvent[] {
  if (text === '') return [];
  assert.ok(text.endsWith('\n\n'), 'every event ends with a blank line');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((raw) => {
      const match = /^event: ([a-z_.]+)\ndata: (.+)$/.exec(raw);
      assert.ok(match !== null, `not one event line and one data line: ${JSON.stringify(raw)}`);
      const data = JSON.parse(match[2] as string) as SseEvent;
      assert.equal(data.type, match[1]);
      return data;
    });
}
