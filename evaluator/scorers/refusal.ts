// Refusal detection: explicit refusal field, content_filter, or refusal phrasing at the start
// of a short answer. The phrase table is deliberately anchored (start of the first or second
// sentence) and verb-qualified, so "I can't wait to help!" or "Sorry for the delay, here
// is…" are answers, not refusals.

import type { Answer } from './types.ts';

export type FinishClass = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

// OpenAI's values, plus the Anthropic stop reasons in case a record carries them untranslated.
const FINISH_CLASSES: Readonly<Record<string, FinishClass>> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  max_tokens: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  tool_use: 'tool_calls',
  content_filter: 'content_filter',
  refusal: 'content_filter',
};

export function finishReasonClass(reason: string | null): FinishClass {
  return (reason !== null && Object.hasOwn(FINISH_CLASSES, reason) && FINISH_CLASSES[reason]) || 'other';
}

/** Content longer than this is an answer even if it opens with a refusal-like disclaimer. */
export const REFUSAL_MAX_CHARS = 800;

// Text is lowercased, apostrophes straightened and whitespace collapsed before matching.
const APOLOGY =
  "(?:(?:i'm|i am)(?: really| very| so)? sorry|sorry|my apologies|apologies|i apologi[sz]e|unfortunately|i'm afraid|i am afraid)";
const CANNOT =
  "(?:i (?:can't|cannot|can not|won't be able to|will not be able to|won't|will not|am unable to|am not able to|am not going to)|i'm (?:unable to|not able to|not going to))";
// After an apology any "I can't" is a refusal, except the idioms that are not.
const NOT_IDIOM = '(?! (?:wait|believe|stress|emphasi[sz]e|help but|agree|thank|say enough))';
const VERBS =
  '(?:help(?! but)|assist|provide|comply|fulfil|fulfill|do that|do this|share|create|generate|write|produce|engage|support|answer|discuss|participate|give|offer|continue|complete|accommodate|process|tell|recommend|access)';
const FLAT =
  "(?:as an ai\\b|i must (?:respectfully )?decline|i have to decline|i (?:am|'m) not comfortable|i can't and won't|i cannot and will not)";

const REFUSAL = new RegExp(
  `(?:${APOLOGY}[,.!]? (?:but )?${CANNOT}${NOT_IDIOM}|${CANNOT} ${VERBS}|${FLAT})`,
  'y',
);

/** Refusal phrasings the detector knows, for documentation and tests. */
export const REFUSAL_EXAMPLES: readonly string[] = [
  "I'm sorry, but I can't help with that.",
  'I can’t help with creating malware.',
  'I cannot assist with that request.',
  "I won't be able to provide that.",
  'As an AI, I do not have opinions on this.',
  'Unfortunately, I cannot share personal data.',
  'I must decline this request.',
];

const OPENER_MAX_CHARS = 60;

function normalisedHead(text: string): string {
  let out = '';
  let space = true;
  const end = Math.min(text.length, 300);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 0xa0) {
      if (!space) out += ' ';
      space = true;
      continue;
    }
    // Leading markdown or quotes ("> ", "**", '"') would defeat the anchor.
    if (out === '' && (c === 42 || c === 62 || c === 34 || c === 95 || c === 0x201c)) continue;
    out += c === 0x2019 || c === 0x2018 || c === 0x2bc ? "'" : text[i];
    space = false;
  }
  return out.toLowerCase();
}

/** True when the text opens (first or second sentence) with a known refusal phrasing. */
export function hasRefusalPhrasing(text: string): boolean {
  if (text.length > REFUSAL_MAX_CHARS) return false;
  const head = normalisedHead(text);
  REFUSAL.lastIndex = 0;
  if (REFUSAL.test(head)) return true;
  // A short opener ("Thanks for asking.") may precede the refusal; a real first sentence
  // followed by a caveat is an answer.
  for (let i = 0; i < head.length && i < OPENER_MAX_CHARS; i++) {
    const c = head.charCodeAt(i);
    if ((c === 46 || c === 33 || c === 63) && head.charCodeAt(i + 1) === 32) {
      const rest = head.startsWith('however, ', i + 2) ? i + 11 : i + 2;
      REFUSAL.lastIndex = rest;
      return REFUSAL.test(head);
    }
  }
  return false;
}

export type RefusalKind = 'refusal field' | 'content_filter' | 'refusal phrasing';

/** Why the answer counts as a refusal, or undefined when it does not. */
export function refusalKind(answer: Answer): RefusalKind | undefined {
  if (answer.refusal !== null && answer.refusal.trim() !== '') return 'refusal field';
  if (finishReasonClass(answer.finishReason) === 'content_filter') return 'content_filter';
  if (answer.toolCalls.length === 0 && answer.content !== null && hasRefusalPhrasing(answer.content))
    return 'refusal phrasing';
  return undefined;
}
