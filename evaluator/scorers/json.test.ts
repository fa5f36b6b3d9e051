import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, fenceInner, SCHEMA_CACHE_SIZE, schemaValidator, validateAgainst } from './json.ts';

const fences = [
  { name: 'json fence', text: '```json\n{"a": 1}\n```', want: '{"a": 1}' },
  { name: 'bare fence, surrounding whitespace', text: '\n ```\n[1, 2]\n```  \n', want: '[1, 2]' },
  { name: 'CRLF fence', text: '```json\r\n{"a": 1}\r\n```', want: '{"a": 1}' },
  { name: 'not fenced', text: '{"a": 1}', want: undefined },
  { name: 'prose after the fence', text: '```json\n{"a": 1}\n```\nHope this helps!', want: undefined },
];

for (const c of fences) test(`fenceInner: ${c.name}`, () => assert.equal(fenceInner(c.text), c.want));

const canon = [
  { name: 'keys sorted at every depth', value: { b: { z: 1, y: [{ d: 1, c: 2 }] }, a: 'é"' }, want: '{"a":"é\\"","b":{"y":[{"c":2,"d":1}],"z":1}}' },
  { name: 'scalars', value: [null, true, 1.5, 'x'], want: '[null,true,1.5,"x"]' },
];

for (const c of canon) test(`canonicalJson: ${c.name}`, () => assert.equal(canonicalJson(c.value), c.want));

test('schemaValidator: one compile per distinct schema, bounded', () => {
  const make = (i: number): Record<string, unknown> => ({ type: 'object', properties: { n: { const: i } } });
  const first = schemaValidator(make(0));
  assert.equal(schemaValidator(make(0)), first, 'equal schemas share one validator');
  for (let i = 1; i <= SCHEMA_CACHE_SIZE + 10; i++) {
    const v = schemaValidator(make(i));
    assert.ok(v !== undefined);
    assert.equal(validateAgainst(v, { n: i }), undefined);
    assert.match(validateAgainst(v, { n: -1 }) ?? '', /\/n must be equal to constant/);
  }
  const again = schemaValidator(make(0));
  assert.ok(again !== undefined && again !== first, 'evicted and compiled again');
});

test('schemaValidator: two users’ schemas with one $id do not collide', () => {
  const a = schemaValidator({ $id: 'https://example.com/answer', type: 'object', required: ['a'] });
  const b = schemaValidator({ $id: 'https://example.com/answer', type: 'object', required: ['b'] });
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(validateAgainst(a, { a: 1 }), undefined);
  assert.equal(validateAgainst(b, { b: 1 }), undefined);
});

test('schemaValidator: an invalid schema is undefined, not a throw', () => {
  assert.equal(schemaValidator({ type: 'nonsense' }), undefined);
  assert.equal(schemaValidator({ type: 'string', format: 'no-such-format' }) !== undefined, true);
});
