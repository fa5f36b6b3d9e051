// The OpenAI chunks of one streamed answer → the server-sent events of Anthropic's
// Messages stream, as an Anthropic SDK client reads them. Stateful: Anthropic numbers
// content blocks and sends them one after another, and usage arrives with the last chunk.

import type { ChatCompletionChunk, FinishReason, ToolCallDelta } from '../schemas/index.ts';
import { messagesErrorType, messagesStopOf } from './messages-answer.ts';
import { differs, eventsOfChunk, malformed, type ChunkParts } from './stream-checks.ts';

interface ToolBlock {
  /** The Anthropic content block index the tool call was given. */
  readonly index: number;
  readonly id: string;
  readonly name: string;
}

export class MessagesStreamWriter {
  readonly #id: string;
  #started = false;
  #ended = false;
  #nextIndex = 0;
  /** The one block open at a time: its index and, for a tool call, OpenAI's tool index. */
  #open: { readonly index: number; readonly tool?: number } | undefined;
  /** Tool calls by OpenAI's tool index, open or closed. */
  readonly #tools = new Map<number, ToolBlock>();
  #finish: FinishReason | null = null;
  #stopSequence: string | undefined;
  #refused = false;
  #inputTokens = 0;
  #outputTokens = 0;

  constructor(id: string) {
    this.#id = id;
  }

  /**
   * The events for one chunk (possibly none). `stopSequence` is the sequence the upstream
   * said ended the answer, on the chunk that finishes it. Throws UpstreamStreamError when
   * the chunk cannot be expressed as Anthropic's sequential blocks.
   */
  chunk(chunk: ChatCompletionChunk, stopSequence?: string): string {
    this.#refuseWhenEnded();
    if (stopSequence !== undefined) this.#stopSequence = stopSequence;
    const start = this.#started ? '' : this.#start(chunk.model);
    return start + eventsOfChunk(chunk, this.#parts);
  }

  readonly #parts: ChunkParts = {
    text: (text) => this.#text(text),
    refusal: (text) => {
      this.#refused = true;
      return this.#text(text);
    },
    toolCall: (call) => this.#toolCall(call),
    finish: (reason) => {
      this.#finish = reason;
    },
    usage: (usage) => {
      this.#inputTokens = usage.prompt_tokens ?? 0;
      this.#outputTokens = usage.completion_tokens ?? 0;
    },
  };

  /** The closing events; a stream that saw no chunk still gets a whole, empty message. */
  end(): string {
    this.#refuseWhenEnded();
    let out = this.#started ? '' : this.#start('');
    out += this.#closeBlock();
    out += event('message_delta', {
      delta: messagesStopOf(this.#finish, this.#stopSequence, this.#refused),
      usage: { input_tokens: this.#inputTokens, output_tokens: this.#outputTokens },
    });
    out += event('message_stop', {});
    this.#ended = true;
    return out;
  }

  /** The error event Anthropic sends when a stream breaks; the stream ends with it. */
  error(status: number, message: string, code?: string): string {
    this.#refuseWhenEnded();
    this.#ended = true;
    return event('error', { error: { type: messagesErrorType(status), message, ...(code === undefined ? {} : { code }) } });
  }

  #start(model: string): string {
    this.#started = true;
    return event('message_start', {
      message: {
        id: this.#id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // OpenAI reports usage only at the end; message_delta carries it.
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  #text(text: string): string {
    let out = '';
    if (this.#open === undefined || this.#open.tool !== undefined) {
      out += this.#closeBlock();
      out += this.#openBlock({ type: 'text', text: '' });
    }
    return out + event('content_block_delta', { index: this.#open?.index, delta: { type: 'text_delta', text } });
  }

  #toolCall(call: ToolCallDelta): string {
    let out = '';
    let tool = this.#tools.get(call.index);
    if (tool === undefined) {
      const id = call.id;
      const name = call.function?.name;
      if (typeof id !== 'string' || id === '' || typeof name !== 'string' || name === '') {
        throw malformed(`upstream began tool call ${call.index} without an id and a name, which an Anthropic tool_use block needs at its start`);
      }
      out += this.#closeBlock();
      tool = { index: this.#nextIndex, id, name };
      this.#tools.set(call.index, tool);
      out += this.#openBlock({ type: 'tool_use', id, name, input: {} }, call.index);
    } else if (differs(call.id, tool.id) || differs(call.function?.name, tool.name)) {
      // Anthropic names a tool_use once, at content_block_start: a later name cannot follow.
      throw malformed(`upstream changed the id or name of tool call ${call.index} after it began`);
    }
    const fragment = call.function?.arguments;
    if (typeof fragment !== 'string' || fragment === '') return out;
    if (this.#open?.index !== tool.index) {
      throw malformed(
        `upstream interleaved tool calls: arguments for tool call ${call.index} arrived after its content block was closed, which Anthropic's sequential blocks cannot express`,
      );
    }
    return out + event('content_block_delta', { index: tool.index, delta: { type: 'input_json_delta', partial_json: fragment } });
  }

  #openBlock(contentBlock: Record<string, unknown>, tool?: number): string {
    const index = this.#nextIndex++;
    this.#open = tool === undefined ? { index } : { index, tool };
    return event('content_block_start', { index, content_block: contentBlock });
  }

  #closeBlock(): string {
    if (this.#open === undefined) return '';
    const index = this.#open.index;
    this.#open = undefined;
    return event('content_block_stop', { index });
  }

  #refuseWhenEnded(): void {
    if (this.#ended) throw new Error('MessagesStreamWriter: the stream has already ended');
  }
}

function event(type: string, fields: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
}
