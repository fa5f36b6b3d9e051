// OpenAI Responses request (inbound, POST /v1/responses) → warmpath's OpenAI chat request.
// warmpath is a stateless gateway serving every route in the chat shape: what needs a
// stored response or conversation, a hosted tool, or a feature the chat shape lacks is
// refused with a 400 naming the field and the reason, never dropped. Fields that change
// nothing about the answer's content (metadata, store, stream_options) are accepted.

import { WarmpathError } from '../core/errors.ts';
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  FunctionTool,
  ResponseFormat,
  ResponsesFunctionTool,
  ResponsesInputItem,
  ResponsesRequest,
  ResponsesTextFormat,
  ResponsesTool,
  ResponsesToolChoice,
  ToolCall,
  ToolChoice,
} from '../schemas/index.ts';

const stateless = 'warmpath is a stateless gateway and keeps no responses or conversations';
const chatShape = 'warmpath routes requests in the OpenAI chat shape';

/** Item types that exist only with server-side state or hosted tools, and what they need. */
const missingByItemType: Readonly<Record<string, string>> = {
  item_reference: `a stored item, and ${stateless}`,
  reasoning: `reasoning items, which ${chatShape} has no place for`,
  compaction: `compacted context, and ${stateless}`,
  file_search_call: 'a hosted tool (file_search)',
  web_search_call: 'a hosted tool (web_search)',
  computer_call: 'a hosted tool (computer)',
  computer_call_output: 'a hosted tool (computer)',
  code_interpreter_call: 'a hosted tool (code_interpreter)',
  image_generation_call: 'a hosted tool (image_generation)',
  local_shell_call: 'a hosted tool (local_shell)',
  local_shell_call_output: 'a hosted tool (local_shell)',
  shell_call: 'a hosted tool (shell)',
  shell_call_output: 'a hosted tool (shell)',
  apply_patch_call: 'a hosted tool (apply_patch)',
  apply_patch_call_output: 'a hosted tool (apply_patch)',
  mcp_list_tools: 'MCP servers',
  mcp_approval_request: 'MCP servers',
  mcp_approval_response: 'MCP servers',
  mcp_call: 'MCP servers',
  custom_tool_call: 'custom (free-form) tools',
  custom_tool_call_output: 'custom (free-form) tools',
};

/** `include` values that ask for something a chat answer cannot carry. */
const unservableIncludes: ReadonlySet<string> = new Set(['message.output_text.logprobs', 'message.input_image.image_url', 'computer_call_output.output.image_url']);

export function chatRequestOfResponses(request: ResponsesRequest): ChatRequest {
  refuseStatefulOrUnroutable(request);
  const messages: ChatMessage[] = [];
  if (typeof request.instructions === 'string' && request.instructions !== '') messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input });
  else request.input.forEach((item, i) => addItem(messages, item, `input.${i}`));
  const tools = (request.tools ?? []).map(functionToolOf);
  const effort = request.reasoning?.effort;
  const verbosity = request.text?.verbosity;
  // model and messages first: records and logs of the request read top-down.
  return {
    model: request.model,
    messages,
    ...(typeof request.max_output_tokens === 'number' ? { max_completion_tokens: request.max_output_tokens } : {}),
    ...(request.stream === true ? { stream: true } : {}),
    ...(typeof request.temperature === 'number' ? { temperature: request.temperature } : {}),
    ...(typeof request.top_p === 'number' ? { top_p: request.top_p } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...toolChoiceField(request.tool_choice, tools),
    ...(typeof request.parallel_tool_calls === 'boolean' && tools.length > 0 ? { parallel_tool_calls: request.parallel_tool_calls } : {}),
    ...responseFormatField(request.text?.format),
    ...(typeof verbosity === 'string' ? { verbosity } : {}),
    ...(typeof effort === 'string' ? { reasoning_effort: effort } : {}),
    ...(typeof request.user === 'string' && request.user !== '' ? { user: request.user } : {}),
    ...(typeof request.safety_identifier === 'string' ? { safety_identifier: request.safety_identifier } : {}),
    ...(typeof request.prompt_cache_key === 'string' ? { prompt_cache_key: request.prompt_cache_key } : {}),
    ...(typeof request.service_tier === 'string' ? { service_tier: request.service_tier } : {}),
  };
}

function refuseStatefulOrUnroutable(request: ResponsesRequest): void {
  if (notEmpty(request.previous_response_id)) {
    throw unsupported('previous_response_id', `previous_response_id cannot be served: ${stateless}; send the earlier turns in input instead`);
  }
  if (notEmpty(request.conversation)) {
    throw unsupported('conversation', `conversation cannot be served: ${stateless}; send the earlier turns in input instead`);
  }
  if (notEmpty(request.prompt)) {
    throw unsupported('prompt', `prompt (a stored prompt template) cannot be served: ${stateless}; send instructions and input instead`);
  }
  if (request.background === true) {
    throw unsupported('background', `background responses cannot be served: ${stateless} to poll later`);
  }
  if (request.truncation === 'auto') {
    throw unsupported('truncation', `truncation "auto" cannot be routed: ${chatShape}, which never drops input to fit the context`);
  }
  if (typeof request.top_logprobs === 'number' && request.top_logprobs > 0) {
    throw unsupported('top_logprobs', `top_logprobs cannot be routed: warmpath's answers carry no logprobs`);
  }
  if (typeof request.max_tool_calls === 'number') {
    throw unsupported('max_tool_calls', `max_tool_calls cannot be routed: ${chatShape}, which has no limit on tool calls`);
  }
  const summary = request.reasoning?.summary;
  if (typeof summary === 'string' && summary !== 'auto') {
    throw unsupported('reasoning.summary', `reasoning.summary "${summary}" cannot be routed: ${chatShape}, which has no reasoning summaries`);
  }
  (request.include ?? []).forEach((value, i) => {
    if (unservableIncludes.has(value)) throw unsupported(`include.${i}`, `include "${value}" cannot be served: warmpath's answers do not carry it`);
  });
}

/**
 * One input item onto the chat messages. A function_call joins the assistant message just
 * before it, as the output items of one answer (its text, then its calls) came from one
 * chat message; consecutive calls make one message with several tool_calls.
 */
function addItem(messages: ChatMessage[], item: ResponsesInputItem, at: string): void {
  const type = item.type ?? 'message';
  switch (type) {
    case 'message':
      messages.push(messageOf(item, at));
      return;
    case 'function_call': {
      const call: ToolCall = {
        id: stringField(item, 'call_id', at),
        type: 'function',
        function: { name: stringField(item, 'name', at), arguments: stringField(item, 'arguments', at) },
      };
      const last = messages.at(-1);
      if (last?.role === 'assistant') messages[messages.length - 1] = { ...last, tool_calls: [...(last.tool_calls ?? []), call] };
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    case 'function_call_output':
      messages.push({ role: 'tool', tool_call_id: stringField(item, 'call_id', at), content: functionOutputOf(item.output, `${at}.output`) });
      return;
    default: {
      const missing = missingByItemType[type];
      throw unsupported(`${at}.type`, `${at}: an item of type "${type}" cannot be served: it needs ${missing ?? `"${type}" items, which ${chatShape} has no place for`}`);
    }
  }
}

function messageOf(item: ResponsesInputItem, at: string): ChatMessage {
  const role = item.role;
  if (role !== 'user' && role !== 'system' && role !== 'developer' && role !== 'assistant') {
    throw invalid(`${at}.role`, `${at}.role must be one of user, assistant, system, developer`);
  }
  const content = item.content;
  if (typeof content === 'string') return { role, content };
  if (!Array.isArray(content)) throw invalid(`${at}.content`, `${at}.content must be a string or an array of content parts`);
  if (content.length === 0) throw invalid(`${at}.content`, `${at}.content: a message needs at least one content part`);
  return role === 'assistant' ? assistantMessageOf(content, at) : { role, content: content.map((part: unknown, j) => inputPartOf(part, `${at}.content.${j}`)) };
}

/** An assistant turn replayed as input: its output_text parts, or its refusal. */
function assistantMessageOf(parts: readonly unknown[], at: string): ChatMessage {
  const texts: string[] = [];
  let refusal: string | undefined;
  parts.forEach((part, j) => {
    const partAt = `${at}.content.${j}`;
    const type = partType(part, partAt);
    if (type === 'output_text' || type === 'input_text') texts.push(stringField(part as object, 'text', partAt));
    else if (type === 'refusal') refusal = stringField(part as object, 'refusal', partAt);
    else throw invalid(`${partAt}.type`, `${partAt}: an assistant message carries output_text or refusal parts, not "${type}"`);
  });
  const content = texts.length === 0 ? null : texts.join('');
  return { role: 'assistant', content, ...(refusal === undefined ? {} : { refusal }) };
}

function inputPartOf(part: unknown, at: string): ContentPart {
  const type = partType(part, at);
  const fields = part as Record<string, unknown>;
  switch (type) {
    case 'input_text':
      return { type: 'text', text: stringField(fields, 'text', at) };
    case 'input_image': {
      if (notEmpty(fields.file_id) && !notEmpty(fields.image_url)) {
        throw unsupported(`${at}.file_id`, `${at}: an image by file_id cannot be served: ${stateless} or files; send image_url (a URL or a data URL) instead`);
      }
      const url = stringField(fields, 'image_url', at);
      const detail = fields.detail;
      return { type: 'image_url', image_url: { url, ...(typeof detail === 'string' ? { detail } : {}) } };
    }
    case 'input_file':
      throw unsupported(`${at}.type`, `${at}: input_file parts cannot be routed: ${chatShape}, whose routes do not all take files`);
    case 'input_audio':
      throw unsupported(`${at}.type`, `${at}: input_audio parts cannot be routed: ${chatShape}, whose routes do not all take audio`);
    default:
      throw invalid(`${at}.type`, `${at}: a ${type} part cannot be input; input parts are input_text and input_image`);
  }
}

function functionOutputOf(output: unknown, at: string): string | ContentPart[] {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw invalid(at, `${at} must be a string or an array of content parts`);
  if (output.length === 0) return '';
  return output.map((part: unknown, k) => {
    const partAt = `${at}.${k}`;
    if (partType(part, partAt) !== 'input_text') {
      throw unsupported(`${partAt}.type`, `${partAt}: a function output part must be input_text: ${chatShape}, whose tool messages carry text only`);
    }
    return { type: 'text', text: stringField(part as object, 'text', partAt) };
  });
}

function functionToolOf(tool: ResponsesTool, i: number): FunctionTool {
  if (tool.type !== 'function') {
    throw unsupported(
      `tools.${i}.type`,
      `tools.${i}: tool type "${tool.type}" cannot be routed: it is a hosted tool run on OpenAI's side, and ${chatShape}, which has only function tools the client runs`,
    );
  }
  const fn = tool as ResponsesFunctionTool;
  // Strict only when asked: the Responses API makes it the default, but strict mode refuses
  // schemas outside its subset, and chat routes (non-OpenAI ones above all) do not apply it alike.
  return {
    type: 'function',
    function: {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      parameters: fn.parameters ?? { type: 'object', properties: {} },
      ...(typeof fn.strict === 'boolean' ? { strict: fn.strict } : {}),
    },
  };
}

function toolChoiceField(choice: ResponsesToolChoice | undefined, tools: readonly FunctionTool[]): { tool_choice?: ToolChoice } {
  if (choice === undefined) return {};
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.length === 0) throw invalid('tool_choice', 'tool_choice "required" needs tools to choose from');
    return { tool_choice: choice };
  }
  if (choice.type !== 'function') {
    throw unsupported('tool_choice.type', `tool_choice of type "${choice.type}" cannot be routed: ${chatShape}, which chooses among function tools only`);
  }
  const name = (choice as { name: string }).name;
  if (!tools.some((tool) => tool.function.name === name)) throw invalid('tool_choice.name', `tool_choice.name "${name}" names no tool in tools`);
  return { tool_choice: { type: 'function', function: { name } } };
}

function responseFormatField(format: ResponsesTextFormat | undefined): { response_format?: ResponseFormat } {
  if (format === undefined || format.type === 'text') return {};
  if (format.type === 'json_object') return { response_format: { type: 'json_object' } };
  return {
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema,
        ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
        ...(format.description === undefined ? {} : { description: format.description }),
      },
    },
  };
}

function partType(part: unknown, at: string): string {
  const type = part !== null && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') throw invalid(`${at}.type`, `${at}: a content part needs a string type`);
  return type;
}

function stringField(value: object, key: string, at: string): string {
  const field = (value as Record<string, unknown>)[key];
  if (typeof field !== 'string') throw invalid(`${at}.${key}`, `${at}.${key} must be a string`);
  return field;
}

function notEmpty(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function unsupported(param: string, detail: string): WarmpathError {
  return new WarmpathError('REQ_UNSUPPORTED', detail, { param });
}

function invalid(param: string, detail: string): WarmpathError {
  return new WarmpathError('REQ_INVALID', detail, { param });
}
