// Content mode `redacted`: what is masked and what is left alone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { luhnValid, redactDeep, redactText } from './redact.ts';

const cases: { name: string; text: string; want: string }[] = [
  { name: 'email', text: 'write to jane.doe+tag@mail.example.co.uk today', want: 'write to [EMAIL] today' },
  { name: 'two emails', text: 'a@b.io, CC: John_Smith@Corp.COM.', want: '[EMAIL], CC: [EMAIL].' },
  { name: 'a lone @ stays', text: 'meet @ noon, ping @team', want: 'meet @ noon, ping @team' },
  { name: 'OpenAI key', text: 'key=sk-proj-AbCdEfGhIjKlMnOp1234', want: 'key=[SECRET]' },
  { name: 'Anthropic key', text: 'use sk-ant-api03-AbCd_EfGh-1234 please', want: 'use [SECRET] please' },
  { name: 'AWS access key id', text: 'AKIAIOSFODNN7EXAMPLE is mine', want: '[SECRET] is mine' },
  { name: 'GitHub token', text: 'ghp_0123456789abcdefghijABCDEFGHIJ012345', want: '[SECRET]' },
  { name: 'Slack token', text: 'xoxb-123456789012-abcdefABCDEF', want: '[SECRET]' },
  { name: 'Google API key', text: 'AIzaSyA-1234567890abcdefghijklmnopqrs', want: '[SECRET]' },
  { name: 'bearer token keeps the word', text: 'Authorization: Bearer abc.DEF-123_xyz', want: 'Authorization: Bearer [SECRET]' },
  { name: 'JWT', text: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz', want: 'token [SECRET]' },
  { name: 'PEM private key', text: 'x -----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY----- y', want: 'x [SECRET] y' },
  { name: 'long hex secret', text: 'secret 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', want: 'secret [SECRET]' },
  { name: 'long base64 secret', text: 'blob QWxhZGRpbjpvcGVuIHNlc2FtZQ0123456789abcdefXYZ==', want: 'blob [SECRET]' },
  { name: 'long plain word stays', text: 'Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-words', want: 'Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-words' },
  { name: 'card with spaces (Luhn ok)', text: 'card 4111 1111 1111 1111 exp 12/29', want: 'card [CARD] exp 12/29' },
  { name: 'card with dashes (Luhn ok)', text: '5500-0000-0000-0004', want: '[CARD]' },
  { name: 'card digits only (Luhn ok)', text: 'pay 4242424242424242.', want: 'pay [CARD].' },
  { name: '16 digits failing Luhn stay', text: 'order 4111111111111112', want: 'order 4111111111111112' },
  { name: 'international phone', text: 'call +44 20 7946 0958 now', want: 'call [PHONE] now' },
  { name: 'US phone with parens', text: 'or +1 (415) 555-2671', want: 'or [PHONE]' },
  { name: 'NANP phone', text: 'office 415-555-2671 or 415.555.2671', want: 'office [PHONE] or [PHONE]' },
  { name: 'dates, amounts and short numbers stay', text: 'on 2026-11-21 pay $1,234.56 for order 12345', want: 'on 2026-11-21 pay $1,234.56 for order 12345' },
  { name: 'uuid stays', text: 'id 550e8400-e29b-41d4-a716-446655440000', want: 'id 550e8400-e29b-41d4-a716-446655440000' },
  { name: 'short strings untouched', text: 'hi', want: 'hi' },
];

for (const c of cases) {
  test(`redactText: ${c.name}`, () => assert.equal(redactText(c.text), c.want));
}

test('luhnValid', () => {
  assert.equal(luhnValid('4111111111111111'), true);
  assert.equal(luhnValid('4111111111111112'), false);
  assert.equal(luhnValid(''), false);
});

test('redactDeep masks every string (messages, tool arguments, response), never keys', () => {
  const input = {
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'I am bob@example.org' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"email":"bob@example.org","card":"4111 1111 1111 1111"}' } }] },
    ],
    'bob@example.org': 1,
  };
  assert.deepEqual(redactDeep(input), {
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'I am [EMAIL]' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"email":"[EMAIL]","card":"[CARD]"}' } }] },
    ],
    'bob@example.org': 1,
  });
});

test('redaction stays linear on hostile input', () => {
  const hostile = ['a.'.repeat(200_000), 'x'.repeat(400_000), '1-'.repeat(200_000), '@'.repeat(100_000) + 'a'];
  const started = performance.now();
  for (const text of hostile) redactText(text);
  assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
});
