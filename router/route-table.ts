// Everything the request path needs about routes, resolved once at start: the provider
// client, the breaker, and per workload its primary and its certified secondaries in order.

import type { Clock } from '../core/clock.ts';
import { certify } from '../core/policy.ts';
import type { ProviderClients, ProviderClient } from '../providers/index.ts';
import type { Config, ProviderConfig, RouteConfig, WorkloadConfig } from '../schemas/index.ts';
import { CircuitBreaker } from './breaker.ts';

export interface RouteRuntime {
  readonly config: RouteConfig;
  readonly provider: ProviderConfig;
  readonly client: ProviderClient;
  readonly breaker: CircuitBreaker;
}

export interface WorkloadRoutes {
  readonly workload: WorkloadConfig;
  readonly primary: RouteRuntime;
  /** Secondaries certified for this workload's requirements, in configured order. */
  readonly certified: readonly RouteRuntime[];
  /** Secondaries refused by policy, with why: they never get failover or shadow traffic. */
  readonly refused: readonly { readonly route: string; readonly refusals: readonly string[] }[];
}

export interface RouteTable {
  readonly routes: ReadonlyMap<string, RouteRuntime>;
  forWorkload(name: string): WorkloadRoutes;
}

export function buildRouteTable(config: Config, clients: ProviderClients, clock: Clock): RouteTable {
  const routes = new Map<string, RouteRuntime>();
  for (const route of Object.values(config.routes)) {
    routes.set(route.name, {
      config: route,
      provider: config.providers[route.provider] as ProviderConfig,
      client: clients.forRoute(route.name),
      breaker: new CircuitBreaker(route.breaker, clock),
    });
  }
  const workloads = new Map<string, WorkloadRoutes>();
  for (const workload of Object.values(config.workloads)) {
    const certified: RouteRuntime[] = [];
    const refused: { route: string; refusals: readonly string[] }[] = [];
    for (const name of workload.secondaries) {
      const runtime = routes.get(name) as RouteRuntime;
      const verdict = certify(workload.requires, runtime.config.policy);
      if (verdict.certified) certified.push(runtime);
      else refused.push({ route: name, refusals: verdict.refusals });
    }
    workloads.set(workload.name, { workload, primary: routes.get(workload.primary) as RouteRuntime, certified, refused });
  }
  return {
    routes,
    forWorkload(name) {
      const found = workloads.get(name);
      if (found === undefined) throw new Error(`unknown workload ${name}`);
      return found;
    },
  };
}
