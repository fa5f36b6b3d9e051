// warmpath's own count of a chat request's input tokens, for routes whose provider has no
// counting endpoint (OpenAI-compatible upstreams) and for when a provider's count fails.
// It is the o200k_base tokenizer (GPT-4o, GPT-4.1, GPT-5, o-series) with OpenAI's chat and
// function-definition overheads, as gpt-tokenizer implements them: exact for plain text
// to OpenAI's current models, an estimate for tools, images and other model families.

import type { ChatCompletionFunctionDefinition, ChatCompletionRequest, ChatMessage as TokenizerMessage } from 'gpt-tokenizer/functionCalling';
import type { ChatMessage, ChatRequest, ContentPart } from '../schemas/index.ts';
import type { TokenCountResult } from './types.ts';

/** What one image costs, whatever its size: a 1024×1024 image at OpenAI's high detail. */
export const IMAGE_TOKEN_ESTIMATE = 765;

/** Tokens of a tool call in an assistant turn beyond its name and arguments (gpt-tokenizer's function_call overhead). */
const toolCallOverhead = 3;

interface Tokenizer {
  countTokens(text: string): number;
  countChatCompletionTokens(request: ChatCompletionRequest): number;
}

// The o200k ranks take ~200 ms and ~30 MB to load: only a process that counts pays for them.
let tokenizer: Promise<Tokenizer> | undefined;
function loadTokenizer(): Promise<Tokenizer> {
  tokenizer ??= import('gpt-tokenizer/model/gpt-4o').then((m) => {
    const countChat = m.countChatCompletionTokens;
    if (countChat === undefined) throw new Error('gpt-tokenizer lost its chat token counter for gpt-4o');
    // Text that spells a special token (<|endoftext|>) is counted as the text it is.
    const asText = { disallowedSpecial: new Set<string>() };
    return { countTokens: (text: string) => m.countTokens(text, asText), countChatCompletionTokens: countChat };
  });
  return tokenizer;
}

export async function estimateInputTokens(request: ChatRequest): Promise<number> {
  const t = await loadTokenizer();
  let extra = 0;
  const messages: TokenizerMessage[] = request.messages.map((message) => {
    const { text, images } = contentOf(message.content);
    extra += images * IMAGE_TOKEN_ESTIMATE;
    for (const call of message.tool_calls ?? []) extra += t.countTokens(call.function.name) + t.countTokens(call.function.arguments) + toolCallOverhead;
    return { role: message.role, content: text, ...(nameOf(message) === undefined ? {} : { name: nameOf(message) }) };
  });
  const functions: ChatCompletionFunctionDefinition[] = (request.tools ?? []).map(({ function: fn }) => ({
    name: fn.name,
    ...(fn.description === undefined ? {} : { description: fn.description }),
    ...(fn.parameters === undefined ? {} : { parameters: fn.parameters as unknown as ChatCompletionFunctionDefinition['parameters'] }),
  }));
  const choice = request.tool_choice;
  const functionCall = choice === 'none' ? 'none' : typeof choice === 'object' ? { name: choice.function.name } : undefined;
  const format = request.response_format;
  if (format?.type === 'json_schema' && format.json_schema.schema !== undefined) extra += t.countTokens(JSON.stringify(format.json_schema.schema));
  return (
    t.countChatCompletionTokens({
      messages,
      ...(functions.length > 0 ? { functions } : {}),
      ...(functionCall === undefined ? {} : { function_call: functionCall }),
    }) + extra
  );
}

/** The estimate as a count result, where it stands in for a provider's count. */
export async function estimatedCount(request: ChatRequest): Promise<TokenCountResult> {
  return { ok: true, inputTokens: await estimateInputTokens(request), countedBy: 'estimate' };
}

/** A tool message's call id is not sent as a name; only a participant name is. */
function nameOf(message: ChatMessage): string | undefined {
  return typeof message.name === 'string' && message.name !== '' ? message.name : undefined;
}

function contentOf(content: ChatMessage['content']): { text: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  if (content === null || content === undefined) return { text: '', images: 0 };
  const texts: string[] = [];
  let images = 0;
  for (const part of content as readonly ContentPart[]) {
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part.type === 'image_url') images += 1;
  }
  return { text: texts.join('\n'), images };
}
