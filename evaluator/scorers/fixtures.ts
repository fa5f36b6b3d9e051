// Realistic answers and requests for the scorer tests: what the lead's record mapping yields
// for an OpenAI answer and for an Anthropic answer translated to the OpenAI shape.

import type { FunctionTool, ResponseFormat, ToolCall } from '../../schemas/index.ts';
import type { Answer, PairRequest, ParityOptions } from './types.ts';

export const OPTIONS: ParityOptions = {
  lengthRatio: { min: 0.5, max: 2 },
  latencyRatioMax: 2,
  ttftRatioMax: 2,
  minSimilarity: 0.6,
  noise: undefined,
  minTwins: 20,
};

export function answer(fields: Partial<Answer> = {}): Answer {
  const content = fields.content === undefined ? 'OK' : fields.content;
  return {
    content,
    refusal: null,
    toolCalls: [],
    finishReason: 'stop',
    latencyMs: 800,
    ttftMs: null,
    outputTokens: 0,
    ...fields,
  };
}

export function call(name: string, args: unknown, id = 'call_Qx81zL'): ToolCall {
  return {
    id,
    type: 'function',
    function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
  };
}

/** Tool calls answer: content null, finish_reason tool_calls (Anthropic ids start toolu_). */
export function toolAnswer(calls: readonly ToolCall[], fields: Partial<Answer> = {}): Answer {
  return answer({ content: null, toolCalls: calls, finishReason: 'tool_calls', ...fields });
}

export const ANSWER_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    answer: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    category: { type: 'string', enum: ['billing', 'shipping', 'technical', 'other'] },
  },
  required: ['answer', 'confidence', 'category'],
  additionalProperties: false,
};

export const JSON_SCHEMA_FORMAT: ResponseFormat = {
  type: 'json_schema',
  json_schema: { name: 'support_answer', strict: true, schema: ANSWER_SCHEMA },
};

export const WEATHER_TOOL: FunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    strict: true,
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

export const SEARCH_TOOL: FunctionTool = {
  type: 'function',
  function: {
    name: 'search_web',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

export const TEXT: PairRequest = { responseFormat: undefined, tools: undefined };
export const JSON_OBJECT: PairRequest = { responseFormat: { type: 'json_object' }, tools: undefined };
export const JSON_SCHEMA: PairRequest = { responseFormat: JSON_SCHEMA_FORMAT, tools: undefined };
export const TOOLS: PairRequest = { responseFormat: undefined, tools: [WEATHER_TOOL, SEARCH_TOOL] };

export const SUPPORT_JSON = JSON.stringify({
  answer: 'Your refund was issued on March 3 and should reach your card within 5 business days.',
  confidence: 0.92,
  category: 'billing',
});

/** Claude's habit when asked for JSON without a schema tool: the same object in a fence. */
export const SUPPORT_JSON_FENCED = `\`\`\`json\n${JSON.stringify(JSON.parse(SUPPORT_JSON), null, 2)}\n\`\`\``;
