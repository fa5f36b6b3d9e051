// Anthropic Messages API adapter: OpenAI chat requests out, Anthropic messages in, each
// translated both ways (anthropic-request.ts, anthropic-response.ts, anthropic-stream.ts).

import { toCountTokensUpstream, toUpstream } from './anthropic-request.ts';
import { fromCountTokens, fromUpstream } from './anthropic-response.ts';
import { createStreamTranslator } from './anthropic-stream.ts';
import type { HttpAdapter } from './types.ts';

export const anthropicAdapter: HttpAdapter = {
  kind: 'anthropic',
  toUpstream,
  fromUpstream,
  createStreamTranslator,
  tokenCount: { toUpstream: toCountTokensUpstream, fromUpstream: fromCountTokens },
};
