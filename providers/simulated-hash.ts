// The prompt's plain text and FNV-1a hashes of it: what seeds every choice of a simulated
// answer, so two routes asked the same prompt answer alike.

import type { ChatMessage } from '../schemas/index.ts';

/** A 32-bit number as 8 hex digits, for ids. */
export const hex = (n: number): string => (Math.floor(n) >>> 0).toString(16).padStart(8, '0');

export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function messageText(message: ChatMessage): string {
  const { content } = message;
  let text = typeof content === 'string' ? content : '';
  if (Array.isArray(content)) for (const part of content) if (part.type === 'text' && typeof part.text === 'string') text += part.text;
  for (const call of message.tool_calls ?? []) text += call.function.name + call.function.arguments;
  return text;
}

export function hashMessages(messages: readonly ChatMessage[]): number {
  let h = 0x811c9dc5;
  for (const message of messages) h = fnv1a(`${message.role}\u0001${messageText(message)}\u0002`, h);
  return h;
}
