// The Anthropic Messages wire shape, inbound: what Anthropic SDK clients send to warmpath's
// POST /v1/messages and what they read back. Only the fields warmpath accepts are typed;
// messages-request.schema.json refuses the rest before any of this code runs.

export interface MessagesTextBlock {
  readonly type: 'text';
  readonly text: string;
  readonly cache_control?: unknown;
  readonly citations?: null;
}

export interface MessagesImageBlock {
  readonly type: 'image';
  readonly source:
    | { readonly type: 'base64'; readonly media_type: string; readonly data: string }
    | { readonly type: 'url'; readonly url: string };
  readonly cache_control?: unknown;
}

export interface MessagesToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
  readonly cache_control?: unknown;
}

export interface MessagesToolResultBlock {
  readonly type: 'tool_result';
  readonly tool_use_id: string;
  readonly content?: string | readonly (MessagesTextBlock | MessagesImageBlock | { readonly type: string })[];
  readonly is_error?: boolean;
  readonly cache_control?: unknown;
}

/** Block types the schema lets through; the translation refuses the others by name. */
export type MessagesContentBlock =
  | MessagesTextBlock
  | MessagesImageBlock
  | MessagesToolUseBlock
  | MessagesToolResultBlock
  | { readonly type: string; readonly [k: string]: unknown };

export interface MessagesMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string | readonly MessagesContentBlock[];
}

export interface MessagesTool {
  readonly name: string;
  readonly description?: string;
  readonly input_schema: Record<string, unknown>;
  readonly type?: string | null;
  readonly strict?: boolean;
  readonly cache_control?: unknown;
}

export type MessagesToolChoice =
  | { readonly type: 'auto'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'any'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'tool'; readonly name: string; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'none' };

export interface MessagesRequest {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly MessagesMessage[];
  readonly system?: string | readonly MessagesTextBlock[];
  readonly stream?: boolean;
  readonly stop_sequences?: readonly string[];
  readonly temperature?: number;
  readonly top_p?: number;
  readonly top_k?: number;
  readonly tools?: readonly MessagesTool[];
  readonly tool_choice?: MessagesToolChoice;
  readonly metadata?: { readonly user_id?: string | null };
  readonly thinking?: { readonly type: string; readonly [k: string]: unknown };
  readonly output_config?: {
    readonly effort?: string | null;
    readonly format?: { readonly type: 'json_schema'; readonly schema: Record<string, unknown> } | null;
  };
  readonly service_tier?: string;
  readonly cache_control?: unknown;
}

/** POST /v1/messages/count_tokens: the same request, max_tokens optional. */
export type MessagesTokenCountRequest = Omit<MessagesRequest, 'max_tokens'> & { readonly max_tokens?: number };

export type MessagesStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export type MessagesAnswerBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown };

export interface MessagesUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
}

/** The answer to a non-streaming POST /v1/messages. */
export interface MessagesAnswer {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: readonly MessagesAnswerBlock[];
  readonly stop_reason: MessagesStopReason | null;
  readonly stop_sequence: string | null;
  readonly usage: MessagesUsage;
}

/** Anthropic's error body: every error POST /v1/messages answers has this shape. */
export interface MessagesErrorBody {
  readonly type: 'error';
  readonly error: {
    readonly type: string;
    readonly message: string;
    /** warmpath's stable error code, when the error is warmpath's own. */
    readonly code?: string;
  };
  readonly request_id?: string;
}
