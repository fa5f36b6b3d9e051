// What of an answer an exchange record keeps and the parity scorers compare: the first
// choice's content, refusal and tool calls, its finish reason, the usage and the model.

import type { ChatCompletion, ExchangeResponseContent } from '../schemas/index.ts';

export interface AnswerSummary {
  readonly response: ExchangeResponseContent | null;
  readonly finishReason: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly model: string;
}

export function summariseCompletion(completion: ChatCompletion): AnswerSummary {
  const choice = completion.choices[0];
  const message = choice?.message;
  return {
    response: {
      content: typeof message?.content === 'string' ? message.content : null,
      refusal: typeof message?.refusal === 'string' ? message.refusal : null,
      tool_calls: Array.isArray(message?.tool_calls) ? message.tool_calls : [],
    },
    finishReason: choice?.finish_reason ?? null,
    inputTokens: completion.usage?.prompt_tokens ?? 0,
    outputTokens: completion.usage?.completion_tokens ?? 0,
    model: typeof completion.model === 'string' ? completion.model : '',
  };
}
