// Scoring throughput for `npm run bench`: scorePair over a deterministic, realistic mix of
// text, json_object, json_schema and tool-call pairs with ~1–2 KB answers, on one core.
// Every scoring gets fresh answer and request objects, as records read back from the store
// would, so no identity memo makes the figure look better than production.

import { seededRandom, type Random } from '../../core/clock.ts';
import type { FunctionTool, ResponseFormat, ToolCall } from '../../schemas/index.ts';
import { noiseBaseline } from './noise.ts';
import { scorePair } from './pair.ts';
import type { Answer, PairRequest, ParityOptions } from './types.ts';

const VOCABULARY = (
  'the a of to and in is for on that with as by this from at be are it or an was can will ' +
  'customer account invoice payment refund order shipping delivery address warehouse region ' +
  'service latency request response model provider route budget policy retention contract ' +
  'update review approve reject schedule migrate deploy rollback monitor alert escalate ' +
  'quickly carefully usually never always before after during within between across ' +
  'important urgent pending complete partial missing duplicate expired active regional ' +
  'Paris Berlin Tokyo Lisbon Nairobi Toronto Monday Friday January March 2024 2025 42 17 ' +
  'because however therefore although unless while since until whether'
).split(' ');

function pick<T>(rng: Random, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function sentence(rng: Random): string {
  const n = 8 + Math.floor(rng() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(rng, VOCABULARY));
  const first = words[0] as string;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${words.join(' ')}${rng() < 0.15 ? ',' : '.'}`;
}

function prose(rng: Random, chars: number): string {
  let out = '';
  while (out.length < chars) out += (out === '' ? '' : ' ') + sentence(rng);
  return out;
}

/** A shadow's version of a text: some words swapped, sometimes cut short or padded out. */
function variant(rng: Random, text: string): string {
  const words = text.split(' ').map((w) => (rng() < 0.12 ? pick(rng, VOCABULARY) : w));
  const roll = rng();
  if (roll < 0.1) return words.slice(0, Math.floor(words.length * 0.6)).join(' ');
  if (roll < 0.2) return `${words.join(' ')} ${prose(rng, text.length)}`;
  return words.join(' ');
}

const ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    answer: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    sources: { type: 'array', items: { type: 'string' } },
    category: { type: 'string', enum: ['billing', 'shipping', 'technical', 'other'] },
  },
  required: ['answer', 'confidence', 'sources', 'category'],
  additionalProperties: false,
};

const TICKET_TOOL: FunctionTool = {
  type: 'function',
  function: {
    name: 'create_ticket',
    description: 'Open a support ticket',
    parameters: {
      type: 'object',
      properties: {
        title: { type: 'string', maxLength: 200 },
        description: { type: 'string' },
        priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] },
        labels: { type: 'array', items: { type: 'string' } },
      },
      required: ['title', 'description', 'priority'],
      additionalProperties: false,
    },
  },
};

export interface ScoringPair {
  readonly kind: 'text' | 'json_object' | 'json_schema' | 'tool_calls';
  readonly primary: Answer;
  readonly shadow: Answer;
  readonly request: PairRequest;
}

function answer(rng: Random, content: string | null, toolCalls: readonly ToolCall[] = []): Answer {
  const latencyMs = 300 + rng() * 2000;
  return {
    content,
    refusal: null,
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool_calls' : rng() < 0.03 ? 'length' : 'stop',
    latencyMs,
    ttftMs: rng() < 0.5 ? latencyMs * 0.2 : null,
    outputTokens: Math.round((content?.length ?? 600) / 4),
  };
}

function jsonAnswer(rng: Random, text: string): Record<string, unknown> {
  return {
    answer: text,
    confidence: Math.round(rng() * 100) / 100,
    sources: [pick(rng, VOCABULARY), pick(rng, VOCABULARY)],
    category: pick(rng, ['billing', 'shipping', 'technical', 'other']),
  };
}

function makePair(rng: Random, kind: number): ScoringPair {
  const text = prose(rng, 1000 + rng() * 1000);
  if (kind === 0) {
    const request: PairRequest = { responseFormat: undefined, tools: undefined };
    return { kind: 'text', primary: answer(rng, text), shadow: answer(rng, variant(rng, text)), request };
  }
  if (kind === 1 || kind === 2) {
    const p = jsonAnswer(rng, text);
    const s = { ...jsonAnswer(rng, variant(rng, text)), category: p.category };
    const format: ResponseFormat =
      kind === 1
        ? { type: 'json_object' }
        : { type: 'json_schema', json_schema: { name: 'answer', schema: ANSWER_SCHEMA, strict: true } };
    const shadowText = rng() < 0.1 ? `\`\`\`json\n${JSON.stringify(s, null, 2)}\n\`\`\`` : JSON.stringify(s);
    return {
      kind: kind === 1 ? 'json_object' : 'json_schema',
      primary: answer(rng, JSON.stringify(p)),
      shadow: answer(rng, shadowText),
      request: { responseFormat: format, tools: undefined },
    };
  }
  const call = (description: string, id: string): ToolCall => ({
    id,
    type: 'function',
    function: {
      name: 'create_ticket',
      arguments: JSON.stringify({ title: sentence(rng), description, priority: 'high', labels: ['billing'] }),
    },
  });
  return {
    kind: 'tool_calls',
    primary: answer(rng, null, [call(text, 'call_1')]),
    shadow: answer(rng, null, [call(variant(rng, text), 'toolu_1')]),
    request: { responseFormat: undefined, tools: [TICKET_TOOL] },
  };
}

/** The benchmark's pairs: text, json_object, json_schema and tool calls in turn. */
export function throughputCorpus(count = 256, seed = 0x5eed): ScoringPair[] {
  const rng = seededRandom(seed);
  const corpus: ScoringPair[] = [];
  for (let i = 0; i < count; i++) corpus.push(makePair(rng, i % 4));
  return corpus;
}

/** Fresh objects, as each record read back from storage would be. */
function fresh(pair: ScoringPair): ScoringPair {
  const format = pair.request.responseFormat;
  const responseFormat: ResponseFormat | undefined =
    format?.type === 'json_schema'
      ? { ...format, json_schema: { ...format.json_schema, schema: { ...format.json_schema.schema } } }
      : format;
  const tools = pair.request.tools?.map((t) => ({
    ...t,
    function: { ...t.function, parameters: { ...t.function.parameters } },
  }));
  return { kind: pair.kind, primary: { ...pair.primary }, shadow: { ...pair.shadow }, request: { responseFormat, tools } };
}

export const THROUGHPUT_OPTIONS: ParityOptions = {
  lengthRatio: { min: 0.5, max: 2 },
  latencyRatioMax: 2,
  ttftRatioMax: 2,
  minSimilarity: 0.6,
  noise: noiseBaseline([0.82, 0.78, 0.85, 0.8, 0.76, 0.83, 0.79, 0.81]),
  minTwins: 5,
};

/** Pairs per second scored by scorePair (structural + embedded semantic) on this thread. */
export function measureScoringThroughput(options?: { pairs?: number }): { pairsPerSecond: number } {
  const total = options?.pairs ?? 20_000;
  const corpus = throughputCorpus();
  const run = (n: number): number => {
    let passed = 0;
    for (let i = 0; i < n; i++) {
      const pair = fresh(corpus[i % corpus.length] as ScoringPair);
      if (scorePair(pair.primary, pair.shadow, pair.request, THROUGHPUT_OPTIONS).pass) passed++;
    }
    return passed;
  };
  run(Math.min(total, 1_000)); // warm-up: JIT, the ajv cache, the character-class table
  const started = performance.now();
  run(total);
  const elapsedMs = performance.now() - started;
  return { pairsPerSecond: Math.round((total / elapsedMs) * 1000) };
}
