// Who is calling and for which workload. A virtual key (kept as sha256 in config) names the
// tenant and may pin the workload; else the x-warmpath-workload header; else the request's
// `model` when it names a workload.

import type { IncomingHttpHeaders } from 'node:http';
import { WarmpathError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import type { Config, VirtualKey, WorkloadConfig } from '../schemas/index.ts';

export interface Identity {
  readonly tenant: string;
  readonly workload: WorkloadConfig;
  readonly feature: string;
  readonly session: string;
}

export interface KeyIndex {
  readonly enabled: boolean;
  lookup(bearer: string): VirtualKey | undefined;
}

export function createKeyIndex(keys: readonly VirtualKey[]): KeyIndex {
  const byHash = new Map(keys.map((k) => [k.key_sha256, k]));
  return { enabled: byHash.size > 0, lookup: (bearer) => byHash.get(sha256Hex(bearer)) };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The caller's key, when keys are configured; throws 401 for a missing or unknown key. It
 * comes as `Authorization: Bearer` (what the SDKs send) or as `x-api-key` (Anthropic's API
 * documents it, and curl users copy that).
 */
export function authenticate(headers: IncomingHttpHeaders, keys: KeyIndex): VirtualKey | undefined {
  if (!keys.enabled) return undefined;
  const authorization = header(headers, 'authorization');
  const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
  const presented = match?.[1] ?? header(headers, 'x-api-key')?.trim();
  if (presented === undefined || presented === '') throw new WarmpathError('AUTH_MISSING_KEY', 'send Authorization: Bearer <virtual key>, or x-api-key: <virtual key>');
  const key = keys.lookup(presented);
  if (key === undefined) throw new WarmpathError('AUTH_UNKNOWN_KEY', 'the key is not configured in warmpath');
  return key;
}

export function resolveIdentity(
  headers: IncomingHttpHeaders,
  model: string | undefined,
  key: VirtualKey | undefined,
  config: Config,
): Identity {
  const requested = header(headers, 'x-warmpath-workload');
  let name: string | undefined = key?.workload ?? requested;
  if (key?.workload !== undefined && requested !== undefined && requested !== key.workload) {
    throw new WarmpathError('AUTH_WORKLOAD_MISMATCH', `the key is pinned to workload "${key.workload}", not "${requested}"`);
  }
  if (name === undefined && model !== undefined && Object.hasOwn(config.workloads, model)) name = model;
  if (name === undefined) {
    throw new WarmpathError(
      'RTR_UNKNOWN_WORKLOAD',
      `model "${model ?? ''}" is not a workload and no x-warmpath-workload header was sent (workloads: ${Object.keys(config.workloads).join(', ')})`,
      { param: 'model', headers: {} },
    );
  }
  const workload = Object.hasOwn(config.workloads, name) ? config.workloads[name] : undefined;
  if (workload === undefined) {
    throw new WarmpathError('RTR_UNKNOWN_WORKLOAD', `"${name}" (workloads: ${Object.keys(config.workloads).join(', ')})`, {
      param: requested === undefined ? 'model' : 'x-warmpath-workload',
    });
  }
  return {
    tenant: key?.tenant ?? header(headers, 'x-warmpath-tenant') ?? '',
    workload,
    feature: header(headers, 'x-warmpath-feature') ?? '',
    session: header(headers, 'x-warmpath-session') ?? '',
  };
}
