// OpenAI chat request → Anthropic Messages request. What Anthropic cannot express is
// rejected with a clear 400, never dropped or clamped silently; only parameters that change
// nothing about the answer's content (seed, logprobs, …) are dropped.

import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../schemas/index.ts';
import { toolResultError } from '../schemas/index.ts';
import { failure } from './classify.ts';
import type { UpstreamFailure, UpstreamRequest, UpstreamTarget } from './types.ts';

type ImageSource =
  | { readonly type: 'base64'; readonly media_type: string; readonly data: string }
  | { readonly type: 'url'; readonly url: string };

type AnthropicBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly source: ImageSource }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'tool_result'; readonly tool_use_id: string; readonly content: string | readonly AnthropicBlock[]; readonly is_error?: true };

interface AnthropicMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly AnthropicBlock[];
}

const defaultMaxTokens = 4096;
const imageMediaTypes: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Carries a request that Anthropic cannot express out of the nested translation. */
class Unexpressible extends Error {
  readonly failure: UpstreamFailure;
  constructor(message: string, param: string) {
    super(message);
    this.failure = failure('bad_request', 400, message, { param });
  }
}

export function toUpstream(request: ChatRequest, model: string, stream: boolean, target: UpstreamTarget): UpstreamRequest | UpstreamFailure {
  return expressed(() => upstreamRequest(target, 'messages', requestBody(request, model, stream)));
}

/** Only what counts toward the input: count_tokens refuses sampling and output parameters. */
const countedFields = ['model', 'system', 'messages', 'tools', 'tool_choice'] as const;

/** The same request to Anthropic's POST /v1/messages/count_tokens. */
export function toCountTokensUpstream(request: ChatRequest, model: string, target: UpstreamTarget): UpstreamRequest | UpstreamFailure {
  return expressed(() => {
    const full = requestBody(request, model, false);
    const body: Record<string, unknown> = {};
    for (const field of countedFields) if (full[field] !== undefined) body[field] = full[field];
    return upstreamRequest(target, 'messages/count_tokens', body);
  });
}

function expressed(build: () => UpstreamRequest): UpstreamRequest | UpstreamFailure {
  try {
    return build();
  } catch (err) {
    if (err instanceof Unexpressible) return err.failure;
    throw err;
  }
}

function upstreamRequest(target: UpstreamTarget, path: string, body: Record<string, unknown>): UpstreamRequest {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': target.anthropicVersion,
    ...target.headers,
  };
  if (target.apiKey !== undefined && target.apiKey !== '') headers['x-api-key'] = target.apiKey;
  const base = target.baseUrl.replace(/\/+$/, '');
  const url = base.endsWith('/v1') ? `${base}/${path}` : `${base}/v1/${path}`;
  return { url, headers, body: JSON.stringify(body) };
}

function requestBody(request: ChatRequest, model: string, stream: boolean): Record<string, unknown> {
  const n = request.n;
  if (typeof n === 'number' && n !== 1) throw new Unexpressible(`n ${n} is not supported by Anthropic, which returns one choice`, 'n');
  const temperature = request.temperature;
  if (typeof temperature === 'number' && (temperature < 0 || temperature > 1)) {
    throw new Unexpressible(`temperature ${temperature} is outside Anthropic's range 0..1`, 'temperature');
  }

  const systemParts: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      const text = systemText(message.content);
      if (text !== '') systemParts.push(text);
      continue;
    }
    const translated = translateMessage(message);
    if (translated.content.length > 0) messages.push(translated);
  }
  const jsonInstruction = responseFormatInstruction(request);
  if (jsonInstruction !== undefined) systemParts.push(jsonInstruction);
  const merged = mergeSameRole(messages);
  if (merged.length === 0) throw new Unexpressible('Anthropic needs at least one user or assistant message', 'messages');

  const body: Record<string, unknown> = {
    model,
    max_tokens: request.max_tokens ?? request.max_completion_tokens ?? defaultMaxTokens,
    messages: merged,
  };
  if (systemParts.length > 0) body.system = systemParts.join('\n\n');
  if (typeof temperature === 'number') body.temperature = temperature;
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (stop !== undefined && stop !== null && stop.length > 0) body.stop_sequences = stop;
  Object.assign(body, toolFields(request));
  if (typeof request.user === 'string' && request.user !== '') body.metadata = { user_id: request.user };
  if (stream) body.stream = true;
  return body;
}

function translateMessage(message: ChatMessage): AnthropicMessage {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: contentBlocks(message.content) };
    case 'tool': {
      if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
        throw new Unexpressible('a tool message needs the tool_call_id it answers', 'messages');
      }
      const content = typeof message.content === 'string' || message.content === null || message.content === undefined
        ? (message.content ?? '')
        : contentBlocks(message.content);
      const errorMark = message[toolResultError] === true ? { is_error: true as const } : {};
      return { role: 'user', content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content, ...errorMark }] };
    }
    case 'assistant': {
      const content: AnthropicBlock[] = [...contentBlocks(message.content)];
      if (content.length === 0 && typeof message.refusal === 'string' && message.refusal !== '') {
        content.push({ type: 'text', text: message.refusal });
      }
      for (const call of message.tool_calls ?? []) content.push(toolUse(call));
      return { role: 'assistant', content };
    }
    default:
      throw new Unexpressible(`message role ${String(message.role)} is not supported by Anthropic`, 'messages');
  }
}

function toolUse(call: ToolCall): AnthropicBlock {
  let input: unknown;
  try {
    input = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
  } catch {
    throw new Unexpressible(`tool call ${call.id} has arguments that are not valid JSON, which Anthropic needs as an object`, 'messages');
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Unexpressible(`tool call ${call.id} has arguments that are not a JSON object, which Anthropic needs`, 'messages');
  }
  return { type: 'tool_use', id: call.id, name: call.function.name, input };
}

/** Content as Anthropic blocks; empty text is left out because Anthropic rejects it. */
function contentBlocks(content: ChatMessage['content']): readonly AnthropicBlock[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: AnthropicBlock[] = [];
  for (const part of content) {
    const block = partBlock(part);
    if (block !== undefined) blocks.push(block);
  }
  return blocks;
}

function partBlock(part: ContentPart): AnthropicBlock | undefined {
  if (part.type === 'text') {
    const text = (part as { text?: unknown }).text;
    if (typeof text !== 'string') throw new Unexpressible('a text content part has no text', 'messages');
    return text === '' ? undefined : { type: 'text', text };
  }
  if (part.type === 'image_url') {
    const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
    if (typeof url !== 'string') throw new Unexpressible('an image_url content part has no url', 'messages');
    return { type: 'image', source: imageSource(url) };
  }
  throw new Unexpressible(`content part type ${part.type} is not supported by Anthropic`, 'messages');
}

function imageSource(url: string): ImageSource {
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  const data = /^data:([^;,]*)([^,]*),(.*)$/s.exec(url);
  if (data === null) throw new Unexpressible('an image url must be an http(s) URL or a data: URL', 'messages');
  const [, mediaType = '', params = '', payload = ''] = data;
  if (!params.split(';').includes('base64')) throw new Unexpressible('a data: image url must be base64-encoded for Anthropic', 'messages');
  if (!imageMediaTypes.has(mediaType)) {
    throw new Unexpressible(`image type ${mediaType || '(none)'} is not supported by Anthropic (jpeg, png, gif, webp)`, 'messages');
  }
  return { type: 'base64', media_type: mediaType, data: payload };
}

/** Plain text of system or developer content; images cannot go into Anthropic's system. */
function systemText(content: ChatMessage['content']): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      const text = (part as { text?: unknown }).text;
      if (part.type !== 'text' || typeof text !== 'string') {
        throw new Unexpressible(`a system message can only hold text for Anthropic, not ${part.type}`, 'messages');
      }
      return text;
    })
    .join('\n\n');
}

/** Anthropic requires user and assistant turns to alternate, with tool results first. */
function mergeSameRole(messages: readonly AnthropicMessage[]): AnthropicMessage[] {
  const merged: AnthropicMessage[] = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last !== undefined && last.role === message.role) merged[merged.length - 1] = { role: last.role, content: [...last.content, ...message.content] };
    else merged.push(message);
  }
  return merged.map((message) =>
    message.role === 'user'
      ? {
          role: 'user',
          content: [
            ...message.content.filter((block) => block.type === 'tool_result'),
            ...message.content.filter((block) => block.type !== 'tool_result'),
          ],
        }
      : message,
  );
}

function responseFormatInstruction(request: ChatRequest): string | undefined {
  const format = request.response_format;
  if (format === undefined || format === null) return undefined;
  if (format.type === 'json_object') {
    return 'Respond with only a single JSON object: no prose before or after it, no code fences.';
  }
  if (format.type === 'json_schema') {
    const spec = (format as { json_schema?: { name?: string; schema?: unknown } }).json_schema;
    const schema = JSON.stringify(spec?.schema ?? { type: 'object' });
    return `Respond with only a single JSON object that conforms to this JSON Schema${spec?.name ? ` (${spec.name})` : ''}: no prose before or after it, no code fences.\n${schema}`;
  }
  return undefined;
}

function toolFields(request: ChatRequest): Record<string, unknown> {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (tools.length === 0) {
    if (choice === 'required' || (typeof choice === 'object' && choice !== null)) {
      throw new Unexpressible('tool_choice requires tools', 'tool_choice');
    }
    return {};
  }
  const fields: Record<string, unknown> = {
    tools: tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    })),
  };
  let anthropicChoice: Record<string, unknown> | undefined;
  if (choice === 'auto') anthropicChoice = { type: 'auto' };
  else if (choice === 'required') anthropicChoice = { type: 'any' };
  else if (choice === 'none') anthropicChoice = { type: 'none' };
  else if (typeof choice === 'object' && choice !== null) anthropicChoice = { type: 'tool', name: choice.function.name };
  if (request.parallel_tool_calls === false && choice !== 'none') {
    anthropicChoice = { ...(anthropicChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  if (anthropicChoice !== undefined) fields.tool_choice = anthropicChoice;
  return fields;
}
