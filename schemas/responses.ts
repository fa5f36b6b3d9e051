// The OpenAI Responses wire shape, inbound: what OpenAI SDK clients send to warmpath's
// POST /v1/responses (`client.responses.create`) and what they read back. warmpath is a
// stateless gateway: it serves each request in the chat shape and stores no response, so
// only the fields that describe one self-contained request are typed;
// responses-request.schema.json refuses the rest before any of this code runs.

/** An input item as the schema lets it through: only `type` (when present) is checked. */
export interface ResponsesInputItem {
  readonly type?: string;
  readonly role?: string;
  readonly content?: unknown;
  readonly [k: string]: unknown;
}

export interface ResponsesFunctionTool {
  readonly type: 'function';
  readonly name: string;
  readonly description?: string | null;
  readonly parameters?: Record<string, unknown> | null;
  readonly strict?: boolean | null;
}

/** Function tools are typed; the hosted tools the schema lets through are refused by name. */
export type ResponsesTool = ResponsesFunctionTool | { readonly type: string; readonly [k: string]: unknown };

export type ResponsesToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { readonly type: 'function'; readonly name: string }
  | { readonly type: string; readonly [k: string]: unknown };

export type ResponsesTextFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly name: string;
      readonly schema: Record<string, unknown>;
      readonly description?: string;
      readonly strict?: boolean | null;
    };

export interface ResponsesRequest {
  readonly model: string;
  readonly input: string | readonly ResponsesInputItem[];
  readonly instructions?: string | null;
  readonly stream?: boolean | null;
  readonly stream_options?: { readonly include_obfuscation?: boolean } | null;
  readonly max_output_tokens?: number | null;
  readonly temperature?: number | null;
  readonly top_p?: number | null;
  readonly tools?: readonly ResponsesTool[];
  readonly tool_choice?: ResponsesToolChoice;
  readonly parallel_tool_calls?: boolean | null;
  readonly text?: { readonly format?: ResponsesTextFormat; readonly verbosity?: string | null } | null;
  readonly reasoning?: { readonly effort?: string | null; readonly summary?: string | null } | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly store?: boolean | null;
  readonly include?: readonly string[] | null;
  readonly user?: string;
  readonly safety_identifier?: string;
  readonly prompt_cache_key?: string;
  readonly service_tier?: string | null;
  readonly truncation?: 'auto' | 'disabled' | null;
  readonly top_logprobs?: number | null;
  readonly max_tool_calls?: number | null;
  readonly background?: boolean | null;
  readonly previous_response_id?: string | null;
  readonly conversation?: unknown;
  readonly prompt?: unknown;
}

export interface ResponsesOutputText {
  readonly type: 'output_text';
  readonly text: string;
  readonly annotations: readonly unknown[];
  readonly logprobs: readonly unknown[];
}

export interface ResponsesRefusal {
  readonly type: 'refusal';
  readonly refusal: string;
}

export type ResponsesItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ResponsesOutputMessage {
  readonly type: 'message';
  readonly id: string;
  readonly status: ResponsesItemStatus;
  readonly role: 'assistant';
  readonly content: readonly (ResponsesOutputText | ResponsesRefusal)[];
}

export interface ResponsesFunctionCall {
  readonly type: 'function_call';
  readonly id: string;
  readonly call_id: string;
  readonly name: string;
  readonly arguments: string;
  readonly status: ResponsesItemStatus;
}

export type ResponsesOutputItem = ResponsesOutputMessage | ResponsesFunctionCall;

export interface ResponsesUsage {
  readonly input_tokens: number;
  readonly input_tokens_details: { readonly cached_tokens: number };
  readonly output_tokens: number;
  readonly output_tokens_details: { readonly reasoning_tokens: number };
  readonly total_tokens: number;
}

export type ResponsesStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The Response object: the answer to a non-streaming POST /v1/responses, and what stream lifecycle events carry. */
export interface ResponsesAnswer {
  readonly id: string;
  readonly object: 'response';
  readonly created_at: number;
  readonly status: ResponsesStatus;
  readonly background: false;
  readonly error: null;
  readonly incomplete_details: { readonly reason: 'max_output_tokens' | 'content_filter' } | null;
  readonly instructions: string | null;
  readonly max_output_tokens: number | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly model: string;
  readonly output: readonly ResponsesOutputItem[];
  readonly parallel_tool_calls: boolean;
  readonly previous_response_id: null;
  readonly reasoning: { readonly effort: string | null; readonly summary: null };
  /** Always false: warmpath keeps no response to retrieve later. */
  readonly store: false;
  readonly temperature: number | null;
  readonly text: { readonly format: ResponsesTextFormat; readonly verbosity?: string };
  readonly tool_choice: ResponsesToolChoice;
  readonly tools: readonly ResponsesTool[];
  readonly top_p: number | null;
  readonly truncation: 'disabled';
  readonly usage: ResponsesUsage | null;
  readonly user: string | null;
}
