// The OpenAI chunks of one streamed answer → the server-sent events of the Responses API's
// stream, as an OpenAI SDK client reads them (`client.responses.stream`). Stateful: every
// event is numbered, output items are announced before their deltas and closed before the
// response completes, and usage arrives with the last chunk.

import type { ChatCompletionChunk, FinishReason, ResponsesAnswer, ResponsesOutputItem, ResponsesOutputMessage, ResponsesRequest, ResponsesUsage, ToolCallDelta } from '../schemas/index.ts';
import { ResponseIds, completionOf, functionCallItem, responseShell, responsesUsageOf } from './responses-answer.ts';
import { differs, eventsOfChunk, malformed, type ChunkParts } from './stream-checks.ts';

type PartKind = 'output_text' | 'refusal';

interface MessageItem {
  readonly kind: 'message';
  readonly outputIndex: number;
  readonly id: string;
  /** Content parts in the order they opened; one of each kind at most. */
  readonly parts: { readonly kind: PartKind; text: string }[];
  final?: ResponsesOutputMessage;
}

interface CallItem {
  readonly kind: 'call';
  readonly outputIndex: number;
  readonly id: string;
  readonly callId: string;
  readonly name: string;
  args: string;
  final?: ResponsesOutputItem;
}

export class ResponsesStreamWriter {
  readonly #request: ResponsesRequest;
  readonly #ids: ResponseIds;
  readonly #createdAt: number;
  #sequence = 0;
  #started = false;
  #ended = false;
  #model = '';
  readonly #items: (MessageItem | CallItem)[] = [];
  /** The message item text goes to; a tool call closes it, and later text opens another. */
  #message: MessageItem | undefined;
  /** Function call items by OpenAI's tool index. */
  readonly #calls = new Map<number, CallItem>();
  #finish: FinishReason | null = null;
  #usage: ResponsesUsage | null = null;

  constructor(request: ResponsesRequest, ids: ResponseIds, createdAt: number) {
    this.#request = request;
    this.#ids = ids;
    this.#createdAt = createdAt;
  }

  /**
   * The events for one chunk (possibly none). Throws UpstreamStreamError when the chunk
   * cannot be expressed as Responses output items.
   */
  chunk(chunk: ChatCompletionChunk): string {
    this.#refuseWhenEnded();
    const start = this.#started ? '' : this.#start(chunk.model);
    return start + eventsOfChunk(chunk, this.#parts);
  }

  readonly #parts: ChunkParts = {
    text: (text) => this.#text('output_text', text),
    refusal: (text) => this.#text('refusal', text),
    toolCall: (call) => this.#toolCall(call),
    finish: (reason) => {
      this.#finish = reason;
    },
    usage: (usage) => {
      this.#usage = responsesUsageOf(usage);
    },
  };

  /** Every open item closed, then response.completed (or .incomplete) with the whole response. */
  end(): string {
    this.#refuseWhenEnded();
    let out = this.#started ? '' : this.#start('');
    const { status, incomplete } = completionOf(this.#finish);
    const itemStatus = status === 'incomplete' ? 'incomplete' : 'completed';
    for (const item of this.#items) if (item.final === undefined) out += item.kind === 'message' ? this.#closeMessage(item, itemStatus) : this.#closeCall(item, itemStatus);
    const response: ResponsesAnswer = {
      ...this.#shell(),
      status,
      incomplete_details: incomplete,
      output: this.#items.map((item) => item.final as ResponsesOutputItem),
      usage: this.#usage ?? responsesUsageOf(undefined),
    };
    out += this.#event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
    this.#ended = true;
    return out;
  }

  /** The error event the Responses API sends when a stream breaks; the stream ends with it. */
  error(message: string, code: string): string {
    this.#refuseWhenEnded();
    this.#ended = true;
    return this.#event('error', { code, message, param: null });
  }

  #shell() {
    return responseShell(this.#request, this.#ids, this.#createdAt, this.#model);
  }

  #start(model: string): string {
    this.#started = true;
    this.#model = model;
    const response = { ...this.#shell(), status: 'in_progress', incomplete_details: null, output: [], usage: null };
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  #text(kind: PartKind, delta: string): string {
    let out = '';
    let message = this.#message;
    if (message === undefined) {
      message = { kind: 'message', outputIndex: this.#items.length, id: this.#ids.message(this.#items.length), parts: [] };
      this.#items.push(message);
      this.#message = message;
      out += this.#event('response.output_item.added', {
        output_index: message.outputIndex,
        item: { type: 'message', id: message.id, status: 'in_progress', role: 'assistant', content: [] },
      });
    }
    let contentIndex = message.parts.findIndex((part) => part.kind === kind);
    if (contentIndex === -1) {
      contentIndex = message.parts.length;
      message.parts.push({ kind, text: '' });
      out += this.#event('response.content_part.added', { ...at(message, contentIndex), part: partOf(kind, '') });
    }
    (message.parts[contentIndex] as { text: string }).text += delta;
    return (
      out +
      (kind === 'output_text'
        ? this.#event('response.output_text.delta', { ...at(message, contentIndex), delta, logprobs: [] })
        : this.#event('response.refusal.delta', { ...at(message, contentIndex), delta }))
    );
  }

  #toolCall(call: ToolCallDelta): string {
    let out = '';
    let item = this.#calls.get(call.index);
    if (item === undefined) {
      const callId = call.id;
      const name = call.function?.name;
      if (typeof callId !== 'string' || callId === '' || typeof name !== 'string' || name === '') {
        throw malformed(`upstream began tool call ${call.index} without an id and a name, which a function_call item needs when it is added`);
      }
      if (this.#message !== undefined) {
        out += this.#closeMessage(this.#message, 'completed');
        this.#message = undefined;
      }
      const outputIndex = this.#items.length;
      item = { kind: 'call', outputIndex, id: this.#ids.functionCall(outputIndex), callId, name, args: '' };
      this.#items.push(item);
      this.#calls.set(call.index, item);
      out += this.#event('response.output_item.added', { output_index: outputIndex, item: functionCallItem(item.id, callId, name, '', 'in_progress') });
    } else if (differs(call.id, item.callId) || differs(call.function?.name, item.name)) {
      // A function_call item is named when it is added: a later name cannot follow.
      throw malformed(`upstream changed the id or name of tool call ${call.index} after it began`);
    }
    const fragment = call.function?.arguments;
    if (typeof fragment !== 'string' || fragment === '') return out;
    item.args += fragment;
    return out + this.#event('response.function_call_arguments.delta', { item_id: item.id, output_index: item.outputIndex, delta: fragment });
  }

  #closeMessage(message: MessageItem, status: 'completed' | 'incomplete'): string {
    let out = '';
    message.parts.forEach((part, contentIndex) => {
      out +=
        part.kind === 'output_text'
          ? this.#event('response.output_text.done', { ...at(message, contentIndex), text: part.text, logprobs: [] })
          : this.#event('response.refusal.done', { ...at(message, contentIndex), refusal: part.text });
      out += this.#event('response.content_part.done', { ...at(message, contentIndex), part: partOf(part.kind, part.text) });
    });
    message.final = { type: 'message', id: message.id, status, role: 'assistant', content: message.parts.map((part) => partOf(part.kind, part.text)) };
    return out + this.#event('response.output_item.done', { output_index: message.outputIndex, item: message.final });
  }

  #closeCall(item: CallItem, status: 'completed' | 'incomplete'): string {
    item.final = functionCallItem(item.id, item.callId, item.name, item.args, status);
    return (
      this.#event('response.function_call_arguments.done', { item_id: item.id, output_index: item.outputIndex, name: item.name, arguments: item.args }) +
      this.#event('response.output_item.done', { output_index: item.outputIndex, item: item.final })
    );
  }

  #event(type: string, fields: Record<string, unknown>): string {
    const data = JSON.stringify({ type, ...fields, sequence_number: this.#sequence++ });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  #refuseWhenEnded(): void {
    if (this.#ended) throw new Error('ResponsesStreamWriter: the stream has already ended');
  }
}

function at(message: MessageItem, contentIndex: number) {
  return { item_id: message.id, output_index: message.outputIndex, content_index: contentIndex };
}

function partOf(kind: PartKind, text: string): ResponsesOutputMessage['content'][number] {
  return kind === 'output_text' ? { type: 'output_text', text, annotations: [], logprobs: [] } : { type: 'refusal', refusal: text };
}
