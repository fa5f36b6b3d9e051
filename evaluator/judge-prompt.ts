// The LLM judge's prompt and the reading of its answer, pure. The judge sees the rubric, the
// request (its latest messages) and both answers, labelled reference (the primary's) and
// candidate (the shadow's), and answers with a JSON object {equivalent, reason} through
// response_format json_schema (providers without structured output get it as instructions).

import type { ChatCompletion, ChatMessage, ChatRequest, ExchangeRequestContent } from '../schemas/index.ts';
import { fenceInner } from './scorers/json.ts';

/** Longest answer text put in a judge prompt; the rest is cut and the cut marked. */
export const JUDGE_MAX_ANSWER_CHARS = 8000;
/** Longest request text put in a judge prompt; the newest messages are kept. */
export const JUDGE_MAX_REQUEST_CHARS = 8000;
export const JUDGE_MAX_TOKENS = 400;

export const judgeResponseFormat = {
  type: 'json_schema',
  json_schema: {
    name: 'equivalence_verdict',
    strict: true,
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['equivalent', 'reason'],
      properties: {
        equivalent: { type: 'boolean', description: 'true when the candidate answer is equivalent to the reference answer under the rubric' },
        reason: { type: 'string', description: 'one or two sentences: what differs, or why they are equivalent' },
      },
    },
  },
} as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more characters cut]`;
}

function messageText(message: ChatMessage): string {
  const { content } = message;
  let text = typeof content === 'string' ? content : '';
  if (Array.isArray(content)) {
    for (const part of content) text += part.type === 'text' && typeof part.text === 'string' ? part.text : `[${part.type}]`;
  }
  for (const call of message.tool_calls ?? []) text += `${text === '' ? '' : '\n'}${call.function.name}(${call.function.arguments})`;
  return text;
}

/** The request as the judge reads it: one block per message, the newest kept within the limit. */
export function requestText(request: ExchangeRequestContent | undefined): string {
  if (request === undefined || request.messages.length === 0) return '(the request was not stored)';
  const blocks = request.messages.map((m) => `[${m.role}]\n${messageText(m)}`);
  let text = blocks.join('\n\n');
  if (request.response_format !== undefined && request.response_format.type !== 'text') text += `\n\n[response format: ${request.response_format.type}]`;
  if (request.tools !== undefined && request.tools.length > 0) text += `\n\n[tools offered: ${request.tools.map((t) => t.function.name).join(', ')}]`;
  return text.length <= JUDGE_MAX_REQUEST_CHARS ? text : `[… earlier messages cut]\n${text.slice(text.length - JUDGE_MAX_REQUEST_CHARS)}`;
}

/** The chat request asking the judge whether `candidate` is equivalent to `reference`. */
export function judgeRequest(rubric: string, request: ExchangeRequestContent | undefined, reference: string, candidate: string): ChatRequest {
  const system = [
    'You compare two answers to the same request and decide whether they are equivalent.',
    `Rubric: ${rubric}`,
    'Reply with only a JSON object: {"equivalent": true or false, "reason": "one or two sentences"}.',
  ].join('\n\n');
  const user = [
    `<request>\n${requestText(request)}\n</request>`,
    `<reference_answer>\n${cut(reference, JUDGE_MAX_ANSWER_CHARS)}\n</reference_answer>`,
    `<candidate_answer>\n${cut(candidate, JUDGE_MAX_ANSWER_CHARS)}\n</candidate_answer>`,
    'Is the candidate answer equivalent to the reference answer under the rubric?',
  ].join('\n\n');
  return {
    model: 'judge',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    temperature: 0,
    max_tokens: JUDGE_MAX_TOKENS,
    response_format: judgeResponseFormat,
  };
}

export type JudgeAnswer = { readonly ok: true; readonly equivalent: boolean; readonly reason: string } | { readonly ok: false; readonly problem: string };

/** Reads the judge's completion: a JSON object (also inside one ``` fence) with a boolean `equivalent`. */
export function parseJudgeAnswer(completion: ChatCompletion): JudgeAnswer {
  const message = completion.choices[0]?.message;
  if (message === undefined) return { ok: false, problem: 'answer has no message' };
  if (typeof message.refusal === 'string' && message.refusal.trim() !== '') return { ok: false, problem: `judge refused: ${message.refusal.slice(0, 120)}` };
  const content = (message.content ?? '').trim();
  if (content === '') return { ok: false, problem: 'answer is empty' };
  let value: unknown;
  try {
    value = JSON.parse(fenceInner(content) ?? content);
  } catch {
    return { ok: false, problem: `answer is not JSON: ${content.slice(0, 120)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: 'answer is not a JSON object' };
  const { equivalent, reason } = value as { equivalent?: unknown; reason?: unknown };
  if (typeof equivalent !== 'boolean') return { ok: false, problem: 'answer has no boolean "equivalent"' };
  return { ok: true, equivalent, reason: typeof reason === 'string' ? reason.trim().slice(0, 1000) : '' };
}
