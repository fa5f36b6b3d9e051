// `warmpath eval`: offline parity on a prompt set (evaluator/offline.ts), for CI gates. Reads
// a JSON Lines file of chat requests, asks each workload's primary twice and every
// certified secondary once (non-streaming, one attempt each, `retry.timeout_ms` each),
// gathers the embeddings and judge evidence the workload configures, and prints whether
// each secondary would be eligible for failover. Exit 0 when all would, 1 when one would
// not (or the prompt file is invalid), 2 on a usage error. Needs no ClickHouse.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Ajv, type ErrorObject } from 'ajv';
import Bottleneck from 'bottleneck';
import { pino } from 'pino';
import { certify, schemaErrorLine, seededRandom, systemClock } from '../core/index.ts';
import {
  answerOfCompletion,
  answerText,
  assessPromptSet,
  createParityAssist,
  embeddingCosine,
  type CallOutcome,
  type JudgeOutcome,
  type OfflineWorkloadReport,
  type PairEvidence,
  type ParityAssist,
  type PromptRun,
} from '../evaluator/index.ts';
import { createProviderClients, type ProviderClients } from '../providers/index.ts';
import { requestContent } from '../router/index.ts';
import { chatRequestSchema, type ChatRequest, type Config, type RoutePolicy, type WorkloadConfig } from '../schemas/index.ts';
import { evalHelp } from './eval-options.ts';
import { formatTable, percent as pct, type Output } from './terminal.ts';

export interface EvalArgs {
  readonly prompts?: string | undefined;
  readonly workload?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly seed?: string | undefined;
  readonly 'max-failures'?: string | undefined;
  readonly json?: boolean | undefined;
}

/** A prompt of the set, checked and assigned to its workload. */
export interface EvalPrompt {
  readonly source: string;
  readonly workload: WorkloadConfig;
  readonly request: ChatRequest;
}

const validateChatRequest = new Ajv({ allErrors: false, strict: false }).compile(chatRequestSchema);

function schemaProblem(errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  return first === undefined ? 'not a chat completion request' : schemaErrorLine(first);
}

/** The prompt set, or every problem found in it (each with its file and line). */
export function readPromptSet(file: string, text: string, config: Config, workloadName: string | undefined): { prompts: EvalPrompt[]; problems: string[] } {
  const prompts: EvalPrompt[] = [];
  const problems: string[] = [];
  const known = Object.keys(config.workloads).join(', ');
  const forced = workloadName === undefined ? undefined : config.workloads[workloadName];
  if (workloadName !== undefined && forced === undefined) problems.push(`--workload ${workloadName}: not a workload (workloads: ${known})`);
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const source = `${file}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`${source}: not JSON: ${(err as Error).message}`);
      return;
    }
    // With --workload the lines may leave "model" out: it would only have named the workload.
    if (forced !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value) && !Object.hasOwn(value, 'model')) {
      value = { model: forced.name, ...value };
    }
    if (!validateChatRequest(value)) {
      problems.push(`${source}: ${schemaProblem(validateChatRequest.errors)}`);
      return;
    }
    const request = value as ChatRequest;
    const workload = forced ?? (Object.hasOwn(config.workloads, request.model) ? config.workloads[request.model] : undefined);
    if (workload === undefined) {
      if (workloadName === undefined) problems.push(`${source}: /model "${request.model}" is not a workload (workloads: ${known}); or pass --workload`);
      return;
    }
    prompts.push({ source, workload, request });
  });
  if (prompts.length === 0 && problems.length === 0) problems.push(`${file}: no prompts (one JSON chat completion request per line)`);
  return { prompts, problems };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not "${value}"`);
  return n;
}

class UsageError extends Error {}

async function callRoute(clients: ProviderClients, config: Config, route: string, request: ChatRequest, timeoutMs: number): Promise<CallOutcome> {
  const routeConfig = config.routes[route];
  if (routeConfig === undefined) return { ok: false, errorClass: 'server_error', message: `unknown route ${route}` };
  const started = performance.now();
  try {
    const { stream: _stream, stream_options: _options, ...rest } = request;
    const result = await clients.forRoute(route).complete({ ...rest, stream: false }, { model: routeConfig.model, signal: AbortSignal.timeout(timeoutMs) });
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    return result.ok ? { ok: true, answer: answerOfCompletion(result.completion, latencyMs) } : { ok: false, errorClass: result.failure.errorClass, message: result.failure.message };
  } catch (err) {
    return { ok: false, errorClass: 'malformed_response', message: `provider client failed: ${(err as Error).message}` };
  }
}

/** Every prompt's answers, then the evidence the workload configures: what assessPromptSet takes. */
async function runWorkload(
  workload: WorkloadConfig,
  prompts: readonly EvalPrompt[],
  certifiedRoutes: readonly string[],
  deps: { config: Config; clients: ProviderClients; limiter: Bottleneck; assist: ParityAssist | undefined; seed: number },
): Promise<PromptRun[]> {
  const { config, clients, limiter } = deps;
  const timeoutMs = workload.retry.timeout_ms;
  const call = (route: string, request: ChatRequest): Promise<CallOutcome> => limiter.schedule(() => callRoute(clients, config, route, request, timeoutMs));
  const answered: Answered[] = await Promise.all(
    prompts.map(async (p) => {
      const [primary, twin, ...secondaries] = await Promise.all([workload.primary, workload.primary, ...certifiedRoutes].map((route) => call(route, p.request)));
      return { primary: primary as CallOutcome, twin: twin as CallOutcome, secondaries: new Map(certifiedRoutes.map((route, i) => [route, secondaries[i] as CallOutcome])) };
    }),
  );
  const embedded = await embeddings(workload, answered, deps.assist);
  const judged = await judgements(workload, prompts, answered, deps.assist, deps.seed);
  return prompts.map((p, i) => {
    const a = answered[i] as Answered;
    const evidence = new Map<string, PairEvidence>();
    for (const route of certifiedRoutes) {
      const cosine = embedded?.get(`s:${route}:${i}`);
      const judge = judged.get(`${route}:${i}`);
      evidence.set(route, { ...(cosine === undefined ? {} : { embeddingSimilarity: cosine }), ...(judge === undefined ? {} : { judge }) });
    }
    const twinCosine = embedded?.get(`t:${i}`);
    return {
      source: p.source,
      request: { responseFormat: p.request.response_format, tools: p.request.tools },
      primary: a.primary,
      twin: a.twin,
      secondaries: a.secondaries,
      evidence,
      ...(twinCosine === undefined ? {} : { twinEvidence: { embeddingSimilarity: twinCosine } }),
    };
  });
}

type Answered = { primary: CallOutcome; twin: CallOutcome; secondaries: ReadonlyMap<string, CallOutcome> };

/** Per pair key ("t:i" for the twin, "s:route:i" for a secondary): the cosine to the primary's answer. */
async function embeddings(workload: WorkloadConfig, answered: readonly Answered[], assist: ParityAssist | undefined): Promise<Map<string, number> | undefined> {
  if (assist === undefined || workload.parity.embeddings === undefined) return undefined;
  const texts = new Map<string, string>();
  // Each compared answer's key beside its primary's: the cosines wanted.
  const compared: (readonly [key: string, primaryKey: string])[] = [];
  answered.forEach((a, i) => {
    if (!a.primary.ok) return;
    texts.set(`p:${i}`, answerText(a.primary.answer));
    if (a.twin.ok) {
      texts.set(`t:${i}`, answerText(a.twin.answer));
      compared.push([`t:${i}`, `p:${i}`]);
    }
    for (const [route, outcome] of a.secondaries) {
      if (!outcome.ok) continue;
      texts.set(`s:${route}:${i}`, answerText(outcome.answer));
      compared.push([`s:${route}:${i}`, `p:${i}`]);
    }
  });
  const { vectors } = await assist.embed(workload, texts);
  const cosines = new Map<string, number>();
  for (const [key, primaryKey] of compared) {
    const a = vectors.get(primaryKey);
    const b = vectors.get(key);
    // Vectors that cannot be compared (none, or of different lengths) leave the lexical measure.
    const cosine = a === undefined || b === undefined ? undefined : embeddingCosine(a, b);
    if (cosine !== undefined) cosines.set(key, cosine);
  }
  return cosines;
}

/** The judge's verdicts on a seeded sample of secondary pairs, at most max_calls_per_run. */
async function judgements(
  workload: WorkloadConfig,
  prompts: readonly EvalPrompt[],
  answered: readonly Answered[],
  assist: ParityAssist | undefined,
  seed: number,
): Promise<Map<string, JudgeOutcome>> {
  const out = new Map<string, JudgeOutcome>();
  const judge = workload.parity.judge;
  if (assist === undefined || judge === undefined) return out;
  const random = seededRandom(seed);
  const asked: Promise<void>[] = [];
  answered.forEach((a, i) => {
    const primary = a.primary;
    if (!primary.ok) return;
    for (const [route, outcome] of a.secondaries) {
      if (!outcome.ok || random() >= judge.sample_rate || asked.length >= judge.max_calls_per_run) continue;
      const prompt = prompts[i] as EvalPrompt;
      asked.push(
        assist.judge(workload, requestContent(prompt.request), answerText(primary.answer), answerText(outcome.answer)).then((verdict) => {
          out.set(`${route}:${i}`, verdict);
        }),
      );
    }
  });
  await Promise.all(asked);
  return out;
}

export async function evaluatePromptSet(config: Config, prompts: readonly EvalPrompt[], options: { concurrency: number; seed: number }): Promise<OfflineWorkloadReport[]> {
  const clients = createProviderClients(config, { clock: systemClock });
  // Logs go to stderr: stdout carries the report (or its JSON).
  const logger = pino({ level: config.telemetry.log_level, base: { service: config.telemetry.service_name } }, pino.destination(2));
  const assist = createParityAssist({ config, clients, clock: systemClock, logger });
  const limiter = new Bottleneck({ maxConcurrent: options.concurrency });
  const policies = new Map<string, RoutePolicy>(Object.values(config.routes).map((r) => [r.name, r.policy]));
  try {
    const reports: OfflineWorkloadReport[] = [];
    for (const workload of Object.values(config.workloads)) {
      const mine = prompts.filter((p) => p.workload.name === workload.name);
      if (mine.length === 0) continue;
      // Policy-refused secondaries are reported, never called: they could not serve this workload.
      const certified = workload.secondaries.filter((route) => {
        const policy = policies.get(route);
        return policy !== undefined && certify(workload.requires, policy).certified;
      });
      const runs = await runWorkload(workload, mine, certified, { config, clients, limiter, assist, seed: options.seed });
      reports.push(assessPromptSet(workload, policies, runs, config.evaluator.min_twins));
    }
    return reports;
  } finally {
    await limiter.stop({ dropWaitingJobs: true });
    await assist?.close();
    await clients.close();
  }
}

export function formatEvalReports(reports: readonly OfflineWorkloadReport[], maxFailures: number): string {
  const out: string[] = [];
  for (const report of reports) {
    const calls = report.prompts * 2;
    const floor = report.noiseFloor === undefined ? `no noise floor (${report.twins} twins < evaluator.min_twins: fixed threshold)` : `noise floor ${report.noiseFloor.toFixed(2)} from ${report.twins} twins`;
    out.push(`workload ${report.workload}: ${report.prompts} prompts; primary ${report.primary} answered ${calls - report.primaryErrors.length}/${calls}; ${floor} (${report.similaritySource})`);
    const rows: string[][] = [['route', 'certified', 'pairs', 'pass rate', 'lower bound', 'errors', 'similarity', 'verdict']];
    for (const r of report.routes) {
      const w = r.window;
      rows.push([
        r.route,
        r.certification.certified ? 'yes' : 'no',
        w === undefined ? '-' : String(w.pairs),
        pct(r.assessment.passRate),
        pct(r.assessment.lowerBound),
        w === undefined ? '-' : `${w.shadowErrors}/${w.shadowCalls}`,
        w?.similarityMean === undefined ? '-' : w.similarityMean.toFixed(2),
        !r.certification.certified ? 'not certified (not called)' : r.pass ? 'pass' : 'FAIL',
      ]);
    }
    out.push(formatTable(rows));
    for (const r of report.routes) {
      for (const reason of r.reasons) out.push(`  ${r.route}: ${reason}`);
      if (r.judged > 0) out.push(`  ${r.route}: judge asked about ${r.judged} pairs${r.judgeFailures > 0 ? ` (${r.judgeFailures} without a verdict)` : ''}`);
      for (const f of r.failedPairs.slice(0, maxFailures)) out.push(`  ${r.route} ${f.source}: ${f.details.join('; ')}`);
      if (r.failedPairs.length > maxFailures) out.push(`  ${r.route}: … ${r.failedPairs.length - maxFailures} more failing pairs`);
      for (const e of r.callErrors.slice(0, maxFailures)) out.push(`  ${r.route} ${e.source}: call failed (${e.errorClass}): ${e.message}`);
    }
    for (const e of report.primaryErrors.slice(0, maxFailures)) out.push(`  ${report.primary} (primary) ${e.source}: call failed (${e.errorClass}): ${e.message}`);
    out.push('');
  }
  const failing = reports.flatMap((r) => r.routes.filter((x) => x.certification.certified && !x.pass).map((x) => `${r.workload}/${x.route}`));
  out.push(failing.length === 0 ? 'eval: pass (every certified secondary would be eligible for failover)' : `eval: FAIL (${failing.join(', ')} would not be eligible)`);
  return out.join('\n');
}

export async function runEval(config: Config, args: EvalArgs, output: { stdout: Output; stderr: Output } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let concurrency: number;
  let seed: number;
  let maxFailures: number;
  try {
    if (args.prompts === undefined) throw new UsageError('--prompts FILE is required (JSON Lines, one chat completion request per line)');
    concurrency = positiveInteger(args.concurrency, 'concurrency', 4);
    seed = positiveInteger(args.seed, 'seed', 1);
    maxFailures = positiveInteger(args['max-failures'], 'max-failures', 10);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    output.stderr.write(`warmpath eval: ${err.message}\n\n${evalHelp}`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(args.prompts, 'utf8');
  } catch (err) {
    output.stderr.write(`warmpath eval: cannot read ${args.prompts}: ${(err as Error).message}\n`);
    return 1;
  }
  const { prompts, problems } = readPromptSet(args.prompts, text, config, args.workload);
  if (problems.length > 0) {
    output.stderr.write(`warmpath eval: invalid prompt set, nothing was sent\n${problems.join('\n')}\n`);
    return 1;
  }
  const reports = await evaluatePromptSet(config, prompts, { concurrency, seed });
  output.stdout.write(args.json === true ? `${JSON.stringify(reports, jsonReplacer, 2)}\n` : `${formatEvalReports(reports, maxFailures)}\n`);
  return reports.every((r) => r.pass) ? 0 : 1;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
