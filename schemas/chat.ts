// The OpenAI Chat Completions wire shape: what clients send to warmpath and what every
// provider adapter translates to and from. Only the fields warmpath reads are typed; the
// index signatures keep the rest so they pass through untouched.

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

export interface ImagePart {
  readonly type: 'image_url';
  readonly image_url: { readonly url: string; readonly detail?: string };
}

export type ContentPart = TextPart | ImagePart | { readonly type: string; readonly [k: string]: unknown };

export interface ToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

/**
 * Marks a tool message made from an Anthropic `tool_result` with `is_error: true`, which the
 * chat shape has no field for. A symbol, so the mark rides with the request everywhere in
 * the process (retries, failover, shadow and twin calls) for an `anthropic` route to send
 * on, while JSON.stringify leaves it out of every OpenAI-shaped body and stored record.
 */
export const toolResultError: unique symbol = Symbol('warmpath.toolResultError');

export interface ChatMessage {
  readonly role: Role;
  readonly content?: string | readonly ContentPart[] | null;
  readonly name?: string;
  readonly tool_calls?: readonly ToolCall[];
  readonly tool_call_id?: string;
  readonly refusal?: string | null;
  readonly [toolResultError]?: true;
}

export interface FunctionTool {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description?: string;
    readonly parameters?: Record<string, unknown>;
    readonly strict?: boolean;
  };
}

export type ToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { readonly type: 'function'; readonly function: { readonly name: string } };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly json_schema: {
        readonly name: string;
        readonly schema?: Record<string, unknown>;
        readonly strict?: boolean;
        readonly description?: string;
      };
    };

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage?: boolean };
  readonly tools?: readonly FunctionTool[];
  readonly tool_choice?: ToolChoice;
  readonly response_format?: ResponseFormat;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly stop?: string | readonly string[];
  readonly [extra: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string | null;
  readonly refusal?: string | null;
  readonly tool_calls?: readonly ToolCall[];
}

export interface ChatCompletion {
  readonly id: string;
  readonly object: 'chat.completion';
  readonly created: number;
  readonly model: string;
  readonly choices: readonly {
    readonly index: number;
    readonly message: AssistantMessage;
    readonly finish_reason: FinishReason | null;
    readonly logprobs?: unknown;
  }[];
  readonly usage?: Usage;
  readonly system_fingerprint?: string | null;
  readonly [extra: string]: unknown;
}

export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

export interface ChunkDelta {
  readonly role?: 'assistant';
  readonly content?: string | null;
  readonly refusal?: string | null;
  readonly tool_calls?: readonly ToolCallDelta[];
}

export interface ChatCompletionChunk {
  readonly id: string;
  readonly object: 'chat.completion.chunk';
  readonly created: number;
  readonly model: string;
  readonly choices: readonly {
    readonly index: number;
    readonly delta: ChunkDelta;
    readonly finish_reason: FinishReason | null;
    readonly logprobs?: unknown;
  }[];
  readonly usage?: Usage | null;
  readonly [extra: string]: unknown;
}

/** The OpenAI error body every warmpath error response uses. */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}
