// Anthropic Messages request (inbound, POST /v1/messages) → warmpath's OpenAI chat request.
// What the OpenAI chat shape cannot express is refused with a 400 naming the field and the
// reason, never dropped; only fields that change nothing about the answer's content
// (cache_control, service_tier, null citations) are ignored.

import { WarmpathError } from '../core/errors.ts';
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, MessagesMessage, MessagesRequest, MessagesTokenCountRequest, MessagesTool, MessagesToolChoice, ResponseFormat, ToolCall, ToolChoice } from '../schemas/index.ts';
import { toolResultError } from '../schemas/index.ts';

/** A content block as the schema lets it through: only `type` is known to be a string. */
interface Block {
  readonly type: string;
  readonly [k: string]: unknown;
}

const openAIShape = 'warmpath routes requests in the OpenAI chat shape';

/** What the OpenAI chat shape lacks, by the Anthropic block type that needs it. */
const missingByBlockType: Readonly<Record<string, string>> = {
  document: 'documents',
  search_result: 'search results',
  thinking: 'extended thinking',
  redacted_thinking: 'extended thinking',
  container_upload: 'containers',
  server_tool_use: 'Anthropic server tools',
  web_search_tool_result: 'Anthropic server tools',
  web_fetch_tool_result: 'Anthropic server tools',
  code_execution_tool_result: 'Anthropic server tools',
  bash_code_execution_tool_result: 'Anthropic server tools',
  text_editor_code_execution_tool_result: 'Anthropic server tools',
  tool_search_tool_result: 'Anthropic server tools',
  mcp_tool_use: 'MCP connectors',
  mcp_tool_result: 'MCP connectors',
};

/** A Messages request (or a token count's, which may leave out max_tokens) in the chat shape. */
export function chatRequestOf(request: MessagesRequest | MessagesTokenCountRequest): ChatRequest {
  refuseUnroutableParameters(request);
  const messages: ChatMessage[] = [...systemMessages(request.system)];
  request.messages.forEach((message, i) => messages.push(...chatMessagesOf(message, `messages.${i}`)));
  const tools = (request.tools ?? []).map(functionToolOf);
  const userId = request.metadata?.user_id;
  // model and messages first: records and logs of the request read top-down.
  return {
    model: request.model,
    messages,
    ...(request.max_tokens === undefined ? {} : { max_tokens: request.max_tokens }),
    ...(request.stream === true ? { stream: true } : {}),
    ...(typeof request.temperature === 'number' ? { temperature: request.temperature } : {}),
    ...(typeof request.top_p === 'number' ? { top_p: request.top_p } : {}),
    ...(request.stop_sequences !== undefined && request.stop_sequences.length > 0 ? { stop: [...request.stop_sequences] } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...toolChoiceFields(request.tool_choice, tools),
    ...responseFormatField(request.output_config?.format),
    ...(typeof userId === 'string' && userId !== '' ? { user: userId } : {}),
  };
}

function refuseUnroutableParameters(request: MessagesRequest | MessagesTokenCountRequest): void {
  if (request.top_k !== undefined && request.top_k !== null) {
    throw unsupported('top_k', `top_k cannot be routed: ${openAIShape}, which has no top_k`);
  }
  const thinking = request.thinking;
  if (thinking !== undefined && thinking.type !== 'disabled') {
    throw unsupported('thinking', `thinking of type "${thinking.type}" cannot be routed: ${openAIShape}, which has no extended thinking`);
  }
  const effort = request.output_config?.effort;
  if (effort !== undefined && effort !== null) {
    throw unsupported('output_config.effort', `output_config.effort "${effort}" cannot be routed: ${openAIShape}, which has no effort setting`);
  }
}

function systemMessages(system: MessagesRequest['system']): ChatMessage[] {
  if (system === undefined || system.length === 0) return [];
  if (typeof system === 'string') return [{ role: 'system', content: system }];
  const parts = system.map((block, i) => {
    const type: unknown = block.type;
    if (type !== 'text') throw invalid(`system.${i}.type`, `system.${i}: a system block must be text, not "${String(type)}"`);
    return { type: 'text', text: textOf(block, `system.${i}`) } as const;
  });
  return [{ role: 'system', content: parts }];
}

function chatMessagesOf(message: MessagesMessage, path: string): ChatMessage[] {
  if (typeof message.content === 'string') return [{ role: message.role, content: message.content }];
  if (message.content.length === 0) throw invalid(`${path}.content`, `${path}.content: a message needs at least one content block`);
  const blocks = message.content as readonly Block[];
  return message.role === 'user' ? userMessages(blocks, path) : [assistantMessage(blocks, path)];
}

/**
 * Tool results become OpenAI tool messages placed before the user message that carries the
 * rest, because OpenAI wants tool messages right after the assistant's tool_calls.
 */
function userMessages(blocks: readonly Block[], path: string): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((block, j) => {
    const at = `${path}.content.${j}`;
    switch (block.type) {
      case 'tool_result':
        toolMessages.push(toolMessageOf(block, at));
        break;
      case 'text':
        parts.push({ type: 'text', text: textOf(block, at) });
        break;
      case 'image':
        parts.push(imagePartOf(block, at));
        break;
      case 'tool_use':
        throw invalid(`${at}.type`, `${at}: a tool_use block belongs in an assistant message, not a user message`);
      default:
        throw unroutableBlock(block.type, at);
    }
  });
  return parts.length === 0 ? toolMessages : [...toolMessages, { role: 'user', content: parts }];
}

function assistantMessage(blocks: readonly Block[], path: string): ChatMessage {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  blocks.forEach((block, j) => {
    const at = `${path}.content.${j}`;
    switch (block.type) {
      case 'text':
        texts.push(textOf(block, at));
        break;
      case 'tool_use':
        toolCalls.push(toolCallOf(block, at));
        break;
      case 'tool_result':
      case 'image':
        throw invalid(`${at}.type`, `${at}: a ${block.type} block cannot be in an assistant message, only in a user message`);
      default:
        throw unroutableBlock(block.type, at);
    }
  });
  const content = texts.length === 0 ? null : texts.length === 1 ? (texts[0] as string) : texts.map((text) => ({ type: 'text', text }) as const);
  return { role: 'assistant', content, ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }) };
}

function toolCallOf(block: Block, at: string): ToolCall {
  return {
    id: stringField(block, 'id', at),
    type: 'function',
    function: { name: stringField(block, 'name', at), arguments: JSON.stringify(block.input ?? {}) },
  };
}

/**
 * Anthropic's `is_error: true` has no counterpart in an OpenAI tool message: it travels as
 * the `toolResultError` mark, which an `anthropic` route sends on and an OpenAI-shaped body
 * cannot hold. The content goes on exactly as the client wrote it, with no prefix added, so
 * an OpenAI-compatible model reads the error only through its text (the README says so).
 */
function toolMessageOf(block: Block, at: string): ChatMessage {
  if (block.is_error !== undefined && typeof block.is_error !== 'boolean') throw invalid(`${at}.is_error`, `${at}.is_error must be a boolean`);
  const message: ChatMessage = { role: 'tool', tool_call_id: stringField(block, 'tool_use_id', at), content: toolResultContent(block.content, at) };
  return block.is_error === true ? { ...message, [toolResultError]: true } : message;
}

function toolResultContent(content: unknown, at: string): string | ContentPart[] {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(`${at}.content`, `${at}.content: tool_result content must be a string or an array of blocks`);
  // An empty array says what an absent content says; some OpenAI-compatible upstreams refuse [].
  if (content.length === 0) return '';
  return content.map((inner: unknown, k) => {
    const innerAt = `${at}.content.${k}`;
    if (!isBlock(inner)) throw invalid(`${innerAt}.type`, `${innerAt}: a tool_result content block needs a string type`);
    if (inner.type !== 'text') {
      throw unsupported(
        `${innerAt}.type`,
        `${innerAt}: block type "${inner.type}" inside a tool_result cannot be routed: ${openAIShape}, whose tool messages carry text only`,
      );
    }
    return { type: 'text', text: textOf(inner, innerAt) };
  });
}

function imagePartOf(block: Block, at: string): ContentPart {
  const source = block.source as { type?: unknown; media_type?: unknown; data?: unknown; url?: unknown } | null | undefined;
  if (source === null || typeof source !== 'object') throw invalid(`${at}.source`, `${at}: an image block needs a source`);
  if (source.type === 'base64') {
    const mediaType = stringField(source, 'media_type', `${at}.source`);
    const data = stringField(source, 'data', `${at}.source`);
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${data}` } };
  }
  if (source.type === 'url') return { type: 'image_url', image_url: { url: stringField(source, 'url', `${at}.source`) } };
  throw unsupported(
    `${at}.source.type`,
    `${at}: image source type "${String(source.type)}" cannot be routed: ${openAIShape}, which takes images as URLs or base64 data only`,
  );
}

function textOf(block: object, at: string): string {
  const citations = (block as { citations?: unknown }).citations;
  if (citations !== undefined && citations !== null && !(Array.isArray(citations) && citations.length === 0)) {
    throw unsupported(`${at}.citations`, `${at}: citations cannot be routed: ${openAIShape}, which has no citations`);
  }
  return stringField(block, 'text', at);
}

function functionToolOf(tool: MessagesTool, i: number): FunctionTool {
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    throw unsupported(
      `tools.${i}.type`,
      `tools.${i}: tool type "${tool.type}" cannot be routed: it is an Anthropic server tool, run on Anthropic's side, and ${openAIShape}, which has only function tools the client runs`,
    );
  }
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.input_schema,
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    },
  };
}

function toolChoiceFields(choice: MessagesToolChoice | undefined, tools: readonly FunctionTool[]): { tool_choice?: ToolChoice; parallel_tool_calls?: false } {
  if (choice === undefined) return {};
  if ((choice.type === 'any' || choice.type === 'tool') && tools.length === 0) {
    throw invalid('tool_choice', `tool_choice of type "${choice.type}" needs tools to choose from`);
  }
  if (choice.type === 'tool' && !tools.some((tool) => tool.function.name === choice.name)) {
    throw invalid('tool_choice.name', `tool_choice.name "${choice.name}" names no tool in tools`);
  }
  const disableParallel = choice.type !== 'none' && choice.disable_parallel_tool_use === true;
  return { tool_choice: chatToolChoice(choice), ...(disableParallel ? { parallel_tool_calls: false } : {}) };
}

function chatToolChoice(choice: MessagesToolChoice): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default: {
      const type: unknown = (choice as { type: unknown }).type;
      throw invalid('tool_choice.type', `tool_choice.type "${String(type)}" is not one of auto, any, tool, none`);
    }
  }
}

/**
 * Anthropic's structured output always constrains decoding to the schema, so OpenAI's
 * strict mode is its counterpart; OpenAI requires a name, Anthropic has none to give.
 */
function responseFormatField(format: NonNullable<MessagesRequest['output_config']>['format']): { response_format?: ResponseFormat } {
  if (format === undefined || format === null) return {};
  if (format.type !== 'json_schema') {
    throw unsupported('output_config.format.type', `output_config.format.type "${String(format.type)}" cannot be routed: only json_schema is`);
  }
  return { response_format: { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } } };
}

function unroutableBlock(type: string, at: string): WarmpathError {
  const missing = missingByBlockType[type] ?? `"${type}" blocks`;
  return unsupported(`${at}.type`, `${at}: block type "${type}" cannot be routed: ${openAIShape}, which has no ${missing}`);
}

function stringField(value: object, key: string, at: string): string {
  const field = (value as Record<string, unknown>)[key];
  if (typeof field !== 'string') throw invalid(`${at}.${key}`, `${at}.${key} must be a string`);
  return field;
}

function isBlock(value: unknown): value is Block {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
}

function unsupported(param: string, detail: string): WarmpathError {
  return new WarmpathError('REQ_UNSUPPORTED', detail, { param });
}

function invalid(param: string, detail: string): WarmpathError {
  return new WarmpathError('REQ_INVALID', detail, { param });
}
