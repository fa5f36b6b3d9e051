// What the writers that turn OpenAI chunks into another API's stream events share
// (messages-stream.ts, responses-stream.ts): which parts of a chunk carry something to
// send, and the checks on tool calls. Both APIs name a tool call once, when it begins, and
// a chunk they cannot express breaks the stream as a malformed answer.

import { UpstreamStreamError, failure } from '../providers/index.ts';
import type { ChatCompletionChunk, FinishReason, ToolCallDelta, Usage } from '../schemas/index.ts';

/** What a writer does with each part of a chunk; the three that send return their events. */
export interface ChunkParts {
  text(text: string): string;
  refusal(text: string): string;
  toolCall(call: ToolCallDelta): string;
  finish(reason: FinishReason): void;
  usage(usage: Usage): void;
}

/**
 * The events for one chunk, its parts taken in the order a chat message has them: text,
 * refusal, tool calls, then how it finished. Empty strings carry nothing. warmpath asks for
 * one choice; another has no place in one answer of either API.
 */
export function eventsOfChunk(chunk: ChatCompletionChunk, parts: ChunkParts): string {
  let out = '';
  for (const choice of chunk.choices) {
    if (choice.index !== 0) continue;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content !== '') out += parts.text(delta.content);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') out += parts.refusal(delta.refusal);
    for (const call of delta.tool_calls ?? []) out += parts.toolCall(call);
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) parts.finish(choice.finish_reason);
  }
  if (chunk.usage !== undefined && chunk.usage !== null) parts.usage(chunk.usage);
  return out;
}

/** Whether a later chunk gives a tool call an id or name other than the one it began with. */
export function differs(given: string | undefined, known: string): boolean {
  return typeof given === 'string' && given !== '' && given !== known;
}

export function malformed(message: string): UpstreamStreamError {
  return new UpstreamStreamError(failure('malformed_response', 200, message));
}
