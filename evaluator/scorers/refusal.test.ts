import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answer } from './fixtures.ts';
import { finishReasonClass, hasRefusalPhrasing, REFUSAL_EXAMPLES, refusalKind } from './refusal.ts';

const longAnswer = `I can't provide legal advice, but here is how small-claims court generally works. ${'The filing fee depends on the county and the amount claimed. '.repeat(20)}`;

const phrasing: readonly { readonly text: string; readonly want: boolean }[] = [
  ...REFUSAL_EXAMPLES.map((text) => ({ text, want: true })),
  { text: "I'm sorry, but I can't help with that.", want: true },
  { text: 'I’m sorry, but I can’t help with that request.', want: true },
  { text: 'I CANNOT ASSIST WITH THAT.', want: true },
  { text: "I'm afraid I can't do that.", want: true },
  { text: "I'm unable to provide instructions for that.", want: true },
  { text: '**I can’t help with that.** If you want, I can explain how locks work in general.', want: true },
  { text: 'Thanks for asking. Unfortunately, I can’t share personal information about private individuals.', want: true },
  { text: 'I understand the request. However, I won’t be able to write that.', want: true },
  { text: 'As an AI language model, I do not have personal opinions.', want: true },
  { text: "I can't wait to help! Here's the plan.", want: false },
  { text: 'Sorry for the delay, here is the report you asked for.', want: false },
  { text: "I'm sorry to hear about your flight. Here's how to request compensation:", want: false },
  { text: "I can't help but notice the loop never terminates; move the increment inside.", want: false },
  { text: 'I cannot stress enough how important backups are.', want: false },
  { text: "Sorry, I can't wait to see what you build!", want: false },
  { text: 'The function cannot help with negative inputs; I cannot assist it further.', want: false },
  { text: 'Paris is the capital of France. It is also the largest city.', want: false },
  { text: 'Paris is the capital of France, with about 2.1 million residents. I cannot verify the latest census.', want: false },
  { text: longAnswer, want: false },
  { text: '', want: false },
];

for (const c of phrasing)
  test(`phrasing ${c.want ? 'refuses' : 'answers'}: ${JSON.stringify(c.text.slice(0, 60))}`, () =>
    assert.equal(hasRefusalPhrasing(c.text), c.want),
  );

const kinds = [
  { name: 'refusal field', a: answer({ content: null, refusal: 'I can’t assist with that.' }), want: 'refusal field' },
  { name: 'blank refusal field is not one', a: answer({ content: 'Fine.', refusal: '  ' }), want: undefined },
  { name: 'content_filter', a: answer({ content: '', finishReason: 'content_filter' }), want: 'content_filter' },
  { name: 'phrasing', a: answer({ content: 'I must decline this request.' }), want: 'refusal phrasing' },
  { name: 'an answer', a: answer({ content: 'Here you go.' }), want: undefined },
] as const;

for (const c of kinds) test(`refusalKind: ${c.name}`, () => assert.equal(refusalKind(c.a), c.want));

const classes = [
  ['stop', 'stop'],
  ['length', 'length'],
  ['tool_calls', 'tool_calls'],
  ['function_call', 'tool_calls'],
  ['content_filter', 'content_filter'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool_calls'],
  ['toString', 'other'],
  [null, 'other'],
] as const;

for (const [reason, want] of classes)
  test(`finishReasonClass(${String(reason)}) = ${want}`, () => assert.equal(finishReasonClass(reason), want));
