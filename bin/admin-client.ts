// The verbs that talk to a running warmpath (`routes`, `drill`) reach its admin listener
// here: the URL from `server.admin_listen`, the bearer `admin_token`, and errors that name
// the URL and, for warmpath's own error bodies, the code.

import { request } from 'undici';
// The listen-address helpers alone: core's index loads the serving libraries.
import { isLoopback, parseListen } from '../core/durations.ts';
import type { Config } from '../schemas/index.ts';

export function adminBaseUrl(config: Config): string {
  const { host, port } = parseListen(config.server.admin_listen);
  // A wildcard listener is reached on loopback from the same machine.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const shown = reachable.includes(':') && !isLoopback(reachable) ? `[${reachable}]` : reachable === '::1' ? '[::1]' : reachable;
  return `http://${shown}:${port}`;
}

/** The parsed JSON answer of `method path`; throws an Error whose message says what failed. */
export function adminJson<T>(config: Config, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return adminJsonAt<T>(adminBaseUrl(config), config, method, path, body);
}

/** adminJson against another admin listener (`base`, e.g. `http://10.0.0.7:8081`) with the config's admin token. */
export async function adminJsonAt<T>(base: string, config: Config, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const url = `${base}${path}`;
  const headers: Record<string, string> = config.server.admin_token === undefined ? {} : { authorization: `Bearer ${config.server.admin_token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await request(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new Error(`cannot reach ${url} (is warmpath running with this config?): ${(cause as Error).message}`);
  }
  const text = await response.body.text();
  if (response.statusCode >= 300) {
    let detail = text.slice(0, 300);
    try {
      const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      if (e?.message !== undefined) detail = `${e.code ?? 'error'} ${e.message}`;
    } catch {
      // Not warmpath's error shape: shown as it came.
    }
    throw new Error(`${method} ${url} answered ${response.statusCode}: ${detail}`);
  }
  return JSON.parse(text) as T;
}
