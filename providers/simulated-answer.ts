// Pure answer generation for the `simulated` provider: no timers, no I/O. The base answer
// depends only on the request's messages (a hash of them seeds every choice), so two routes
// asked the same prompt answer alike; the injected `random` decides errors, latency,
// refusals, stream breaks and the per-word `variability` noise a noise twin measures.

import type { Random } from '../core/clock.ts';
import type { AssistantMessage, ChatCompletion, ChatCompletionChunk, ChatRequest, ChunkDelta } from '../schemas/index.ts';
import type { ErrorClass, FinishReason, FunctionTool, LatencyShape, SimulateConfig, SimulatedBehaviour } from '../schemas/index.ts';
import { classifyStatus } from './classify.ts';
import { fnv1a, hashMessages, hex, messageText } from './simulated-hash.ts';
import { defaultObject, fromSchema, renameKeys } from './simulated-json.ts';
import type { SchemaGen } from './simulated-json.ts';
import { fixArticles, textAnswer, topicWords, varyWords } from './simulated-words.ts';

export type SimulatedOutcome =
  | { readonly kind: 'error'; readonly status: number; readonly errorClass: ErrorClass; readonly message: string; readonly latencyMs: number }
  | {
      readonly kind: 'answer';
      readonly completion: ChatCompletion;
      readonly latencyMs: number;
      readonly ttftMs: number;
      /** Index in answerChunks(completion) after which a stream breaks. */
      readonly breakAfterChunk?: number;
    };

export const refusalText = "I'm sorry, but I can't help with that request.";

/** The behaviour in force at `nowMs`: `drift` laid over the base from `drift_at` on. */
export function effectiveBehaviour(simulate: SimulateConfig | undefined, nowMs: number): SimulatedBehaviour {
  if (simulate === undefined) return {};
  const { drift_at: driftAt, drift } = simulate;
  if (driftAt === undefined || drift === undefined || !(nowMs >= Date.parse(driftAt))) return simulate;
  return { ...simulate, ...drift };
}

export function simulateAnswer(request: ChatRequest, behaviour: SimulatedBehaviour, random: Random, model: string, nowMs: number): SimulatedOutcome {
  // Fixed draw order, whatever the behaviour, so a seed replays the same call sequence.
  const uError = random();
  const latencyMs = sampleLatency(behaviour.latency, random(), random());
  const [uRefusal, uBreak, uBreakAt] = [random(), random(), random()];
  if (uError < (behaviour.error_rate ?? 0)) {
    const status = behaviour.error_status ?? 503;
    const message = `simulated upstream error (HTTP ${status})`;
    return { kind: 'error', status, errorClass: classifyStatus(status, null, message), message, latencyMs };
  }
  const id = `chatcmpl-sim-${hex(random() * 2 ** 32)}${hex(random() * 2 ** 32)}`;

  const hash = hashMessages(request.messages);
  const variability = behaviour.variability ?? 0.05;
  const gen: SchemaGen = { hash, topics: topicWords(request.messages, hash), vary: (text) => fixArticles(varyWords(text, variability, random)) };
  const { message, finish } = answerMessage(request, behaviour, gen, uRefusal < (behaviour.refusal_rate ?? 0));
  const promptTokens = simulatedPromptTokens(request);
  const completionTokens = tokens(message.content ?? message.tool_calls?.[0]?.function.arguments ?? '');
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const choices = [{ index: 0, message, finish_reason: finish, logprobs: null }];
  const completion: ChatCompletion = { id, object: 'chat.completion', created: Math.floor(nowMs / 1000), model, choices, usage };
  const ttftMs = latencyMs * (behaviour.latency?.ttft_share ?? 0.3);
  if (uBreak < (behaviour.stream_break_rate ?? 0)) {
    // Break after a chunk in the middle: after content started, before the finish chunk.
    const count = answerChunks(completion).length;
    const breakAfterChunk = count <= 3 ? 0 : 1 + Math.floor(uBreakAt * (count - 3));
    return { kind: 'answer', completion, latencyMs, ttftMs, breakAfterChunk };
  }
  return { kind: 'answer', completion, latencyMs, ttftMs };
}

function answerMessage(
  request: ChatRequest,
  behaviour: SimulatedBehaviour,
  gen: SchemaGen,
  refused: boolean,
): { message: AssistantMessage; finish: FinishReason } {
  const format = request.response_format;
  if (refused) return { message: { role: 'assistant', content: refusalText, refusal: format?.type === 'json_schema' ? refusalText : null }, finish: 'stop' };
  const limit = request.max_completion_tokens ?? request.max_tokens;
  const maxChars = limit === undefined ? Infinity : limit * 4;
  const renames = behaviour.rename_keys ?? {};
  const tool = chosenTool(request);
  if (tool !== undefined) {
    const { name, parameters } = tool.function;
    const args = JSON.stringify(renameKeys(fromSchema(parameters ?? { type: 'object' }, gen, name, 0), renames));
    const call = { id: `call_${hex(fnv1a(`tool:${name}`, gen.hash))}${hex(gen.hash)}`, type: 'function' as const, function: { name, arguments: args.slice(0, maxChars) } };
    return { message: { role: 'assistant', content: null, refusal: null, tool_calls: [call] }, finish: args.length > maxChars ? 'length' : 'tool_calls' };
  }
  let content: string;
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
    content = JSON.stringify(renameKeys(schema === undefined ? defaultObject(gen, behaviour.verbosity ?? 1) : fromSchema(schema, gen, '', 0), renames));
  } else {
    content = gen.vary(textAnswer(gen.hash, gen.topics, behaviour.verbosity ?? 1));
  }
  // Estimated tokens are ceil(chars / 4), so the answer is over the limit past limit × 4 chars.
  if (content.length <= maxChars) return { message: { role: 'assistant', content, refusal: null }, finish: 'stop' };
  return { message: { role: 'assistant', content: cutText(content, maxChars), refusal: null }, finish: 'length' };
}

/** Lognormal with the given median; p95 sets the spread (none when absent). */
function sampleLatency(shape: LatencyShape | undefined, u1: number, u2: number): number {
  const median = shape?.median_ms ?? 0;
  if (median <= 0) return 0;
  const p95 = shape?.p95_ms;
  if (p95 === undefined || p95 <= median) return median;
  const sigma = Math.log(p95 / median) / 1.645;
  const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}

const tokens = (text: string): number => Math.ceil(text.length / 4);

/** The prompt tokens a simulated answer reports in its usage (and its token count says). */
export function simulatedPromptTokens(request: ChatRequest): number {
  return tokens(request.messages.map(messageText).join(''));
}

function cutText(text: string, maxChars: number): string {
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return space > maxChars / 2 ? cut.slice(0, space) : cut;
}

function chosenTool(request: ChatRequest): FunctionTool | undefined {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === 'none') return undefined;
  if (typeof choice === 'object') return tools.find((t) => t.function.name === choice.function.name) ?? tools[0];
  // After a tool result a model answers in words, unless it is made to call again.
  if (choice !== 'required' && request.messages.at(-1)?.role === 'tool') return undefined;
  return tools[0];
}

const pieceChars = 24;

/** The answer as OpenAI stream chunks: role, content or tool-call pieces, finish, usage. */
export function answerChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model };
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const out: ChatCompletionChunk[] = [];
  const choice = completion.choices[0];
  if (choice !== undefined) {
    const { message } = choice;
    out.push(chunk({ role: 'assistant', content: message.tool_calls === undefined ? '' : null }));
    for (const piece of contentPieces(message.content ?? '')) out.push(chunk({ content: piece }));
    if (typeof message.refusal === 'string') out.push(chunk({ refusal: message.refusal }));
    (message.tool_calls ?? []).forEach((call, index) => {
      out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
      for (let i = 0; i < call.function.arguments.length; i += pieceChars) {
        out.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(i, i + pieceChars) } }] }));
      }
    });
    out.push(chunk({}, choice.finish_reason ?? 'stop'));
  }
  if (completion.usage !== undefined) out.push({ ...base, choices: [], usage: completion.usage });
  return out;
}

/** A few words per piece; long runs without spaces (JSON) are sliced. */
function contentPieces(text: string): string[] {
  const segments: string[] = [];
  for (const token of text.match(/\S+\s*|\s+/g) ?? []) {
    for (let i = 0; i < token.length; i += pieceChars) segments.push(token.slice(i, i + pieceChars));
  }
  const pieces: string[] = [];
  for (let i = 0; i < segments.length; i += 3) pieces.push(segments.slice(i, i + 3).join(''));
  return pieces;
}
