import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answer, call, toolAnswer } from './fixtures.ts';
import { answerText, similarity, textSimilarity } from './semantic.ts';

const PARIS =
  "The capital of France is Paris. It has been the country's political and cultural centre since the Middle Ages, and about 2.1 million people live in the city proper today.";

interface Case {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly min: number;
  readonly max: number;
}

const cases: readonly Case[] = [
  { name: 'identical', a: PARIS, b: PARIS, min: 1, max: 1 },
  { name: 'both empty', a: '', b: ' \n', min: 1, max: 1 },
  { name: 'one empty', a: PARIS, b: '', min: 0, max: 0 },
  { name: 'case only', a: 'Café au lait', b: 'CAFÉ AU LAIT', min: 1, max: 1 },
  { name: 'JSON key order does not matter', a: '{"answer":"Paris","confidence":0.9}', b: '{ "confidence": 0.9, "answer": "Paris" }', min: 1, max: 1 },
  { name: 'fenced JSON is compared by value', a: '{"answer":"Paris"}', b: '```json\n{\n  "answer": "Paris"\n}\n```', min: 1, max: 1 },
  { name: 'renamed JSON key costs a little', a: '{"answer":"The refund was issued on March 3."}', b: '{"reply":"The refund was issued on March 3."}', min: 0.6, max: 0.9 },
  { name: 'rewording with the same words', a: PARIS, b: "Paris is the capital of France. Since the Middle Ages it has been the political and cultural centre of the country, and about 2.1 million people live in the city proper today.", min: 0.8, max: 0.95 },
  { name: 'different facts', a: PARIS, b: PARIS.replace('Paris', 'Lyon').replace('Middle Ages', 'Renaissance').replace('2.1', '0.5'), min: 0.7, max: 0.9 },
  { name: 'truncated to half', a: PARIS, b: PARIS.slice(0, 85), min: 0.55, max: 0.8 },
  { name: 'verbose 3×', a: PARIS, b: `${PARIS} The city is known for the Eiffel Tower, the Louvre and its cafés. Visitors come from all over the world to walk its boulevards along the Seine. It hosted the Olympic Games in 1900, 1924 and 2024, and it is home to many international organisations and universities.`, min: 0.5, max: 0.75 },
  { name: 'language switch', a: PARIS, b: 'La capitale de la France est Paris. Elle est le centre politique et culturel du pays depuis le Moyen Âge, et environ 2,1 millions de personnes y vivent.', min: 0.05, max: 0.35 },
  { name: 'unrelated', a: PARIS, b: 'To reset your password, open Settings, choose Security and click Reset. The emailed link expires in 24 hours.', min: 0, max: 0.2 },
  // Documented limits: these are what the embedded score cannot see.
  { name: 'limit: paraphrase with other vocabulary scores low', a: PARIS, b: "France's seat of government is Paris, which has anchored the nation's politics and culture for centuries; roughly two million residents call it home.", min: 0.15, max: 0.45 },
  { name: 'limit: negation flip barely moves it', a: 'The refund has been approved.', b: 'The refund has not been approved.', min: 0.7, max: 0.95 },
  { name: 'limit: a wrong number barely moves it', a: PARIS, b: PARIS.replace('2.1', '9.7'), min: 0.9, max: 0.99 },
  { name: 'Japanese, one changed ending', a: '東京は日本の首都です。', b: '東京は日本の首都である。', min: 0.6, max: 0.95 },
  { name: 'Japanese, different sentence', a: '東京は日本の首都です。', b: '明日は雨が降るでしょう。', min: 0, max: 0.3 },
  { name: 'accents matter a little', a: 'naïve résumé review', b: 'naive resume review', min: 0.3, max: 0.8 },
  { name: 'punctuation only', a: '!!!', b: '???', min: 0, max: 0.1 },
];

for (const c of cases) {
  test(`similarity: ${c.name}`, () => {
    const s = similarity(c.a, c.b);
    assert.ok(s >= c.min && s <= c.max, `similarity ${s.toFixed(3)} not in [${c.min}, ${c.max}]`);
    assert.ok(Math.abs(similarity(c.b, c.a) - s) < 1e-12, 'symmetric');
    assert.equal(similarity(c.a, c.b), s, 'deterministic');
  });
}

test('similarity: orders by how much changed', () => {
  const halfway = PARIS.slice(0, 120);
  const quarter = PARIS.slice(0, 45);
  assert.ok(textSimilarity(PARIS, halfway) > textSimilarity(PARIS, quarter));
});

const texts = [
  { name: 'tool calls: argument order does not matter', a: toolAnswer([call('get_weather', { city: 'Paris', unit: 'celsius' })]), b: toolAnswer([call('get_weather', { unit: 'celsius', city: 'Paris' }, 'toolu_01')]), want: 'get_weather({"city":"Paris","unit":"celsius"})' },
  { name: 'JSON content is canonical', a: answer({ content: '{"b":[1,{"d":2,"c":3}],"a":null}' }), b: answer({ content: '{"a":null,"b":[1,{"c":3,"d":2}]}' }), want: '{"a":null,"b":[1,{"c":3,"d":2}]}' },
  { name: 'refusal text when there is no content', a: answer({ content: null, refusal: 'I cannot help.' }), b: answer({ content: '', refusal: 'I cannot help.' }), want: 'I cannot help.' },
  { name: 'broken tool arguments are kept raw', a: toolAnswer([call('f', '{"x":')]), b: toolAnswer([call('f', '{"x":')]), want: 'f({"x":)' },
];

for (const c of texts) {
  test(`answerText: ${c.name}`, () => {
    assert.equal(answerText(c.a), c.want);
    assert.equal(answerText(c.b), c.want);
  });
}

test('similarity: long inputs reuse the table without losing counts', () => {
  const long = PARIS.repeat(200);
  assert.equal(textSimilarity(long, `${long} `), 1);
  const s = textSimilarity(long, PARIS.repeat(100));
  assert.ok(s > 0.6 && s < 0.9, String(s));
  assert.ok(Math.abs(textSimilarity(PARIS, PARIS.slice(0, 85)) - similarity(PARIS, PARIS.slice(0, 85))) < 1e-12);
});

test('similarity: every token distinct (ideographs) still fits the table', () => {
  let a = '';
  let b = '';
  for (let i = 0; i < 20_000; i++) {
    a += String.fromCharCode(0x4e00 + i);
    b += String.fromCharCode(0x4e00 + 20_000 - i);
  }
  const s = textSimilarity(a, b);
  // Reversed: every unigram shared (lexical 0.5), no bigram or trigram (character 0).
  assert.ok(s > 0.2 && s < 0.3, String(s));
});
