// Checks shared by the writers that turn OpenAI chunks into another API's stream events
// (messages-stream.ts, responses-stream.ts): both APIs name a tool call once, when it
// begins, and a chunk they cannot express breaks the stream as a malformed answer.

import { UpstreamStreamError, failure } from '../providers/index.ts';

/** Whether a later chunk gives a tool call an id or name other than the one it began with. */
export function differs(given: string | undefined, known: string): boolean {
  return typeof given === 'string' && given !== '' && given !== known;
}

export function malformed(message: string): UpstreamStreamError {
  return new UpstreamStreamError(failure('malformed_response', 200, message));
}
