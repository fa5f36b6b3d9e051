import type { Config } from '../schemas/index.ts';

/** What the admin listener of `warmpath start` or `warmpath router` serves besides health and metrics. */
export interface AdminApi {
  /** The collector's ingest (this process stores records). */
  readonly ingest: boolean;
  /** The evaluator's eligibility feed (this process evaluates). */
  readonly feed: boolean;
}

/** What `warmpath start` (and `router`) prints: where it listens and two examples to copy. */
export function startBanner(config: Config, routerUrl: string, adminUrl: string, storage: string | undefined, api: AdminApi): string {
  const workload = Object.keys(config.workloads)[0] ?? 'support';
  const keyNote = config.keys.length > 0 ? '  (keys are configured: use one of your virtual keys as the API key)\n' : '';
  const adminPaths = [
    'GET /v1/routes',
    ...(api.feed ? ['GET /v1/eligibility'] : []),
    'POST|GET|DELETE /v1/drills',
    ...(api.ingest ? ['POST /v1/exchanges'] : []),
  ];
  return `
warmpath is running
  router (OpenAI-compatible)  ${routerUrl}/v1   (chat/completions, responses, models)
  router (Anthropic Messages) ${routerUrl}/v1/messages
  admin                       ${adminUrl}   (/healthz /readyz /metrics)
                              ${adminPaths.join(', ')}
  workloads                   ${Object.keys(config.workloads).join(', ')}
  exchange records            ${storage ?? `sent to ${config.server.collector_url ?? 'memory'}`}
${keyNote}
Try it:
  curl -s ${routerUrl}/v1/chat/completions \\
    -H 'content-type: application/json' -H 'authorization: Bearer local' \\
    -d '{"model":"${workload}","messages":[{"role":"user","content":"Say hello"}]}'

  // Node, with the official openai SDK
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${routerUrl}/v1', apiKey: 'local' });
  const answer = await client.chat.completions.create({
    model: '${workload}', messages: [{ role: 'user', content: 'Say hello' }],
  });
  console.log(answer.choices[0].message.content);
  // the Responses API too, stateless: the conversation goes in \`input\`
  const response = await client.responses.create({ model: '${workload}', input: 'Say hello' });

  // or with the official Anthropic SDK
  import Anthropic from '@anthropic-ai/sdk';
  const claudeShaped = new Anthropic({ baseURL: '${routerUrl}', apiKey: 'local' });
  const message = await claudeShaped.messages.create({
    model: '${workload}', max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }],
  });

Stop with Ctrl-C (in-flight requests finish first).
`;
}

/** What `warmpath collector` prints. */
export function collectorBanner(adminUrl: string, storage: string): string {
  return `
warmpath collector is running
  ingest     POST ${adminUrl}/v1/exchanges   (application/x-ndjson, one exchange record per line)
  admin      ${adminUrl}   (/healthz /readyz /metrics)
  storage    ${storage}

Stop with Ctrl-C (queued records are flushed first).
`;
}

export function evaluatorBanner(adminUrl: string): string {
  return `
warmpath evaluator is running
  feed       GET ${adminUrl}/v1/eligibility   (ETag, ?wait=SECONDS long-poll; routers set server.feed_url to this)
  routes     GET ${adminUrl}/v1/routes
  admin      ${adminUrl}   (/healthz /readyz /metrics)

Stop with Ctrl-C.
`;
}
