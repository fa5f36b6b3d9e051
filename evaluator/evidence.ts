// From stored candidate pairs to what scorePair needs: both answers, the request, and the
// optional model-assisted evidence (embeddings cosine, the judge's verdict) gathered for a
// whole run at once. Embeddings are batched per workload and cached per record within the
// run (a primary shared by its twin and its shadows is embedded once); the judge is asked
// about a sampled share of shadow pairs, at most `max_calls_per_run` per workload.

import type { Random } from '../core/clock.ts';
import type { ExchangeRequestContent, WorkloadConfig } from '../schemas/index.ts';
import type { ParityAssist } from './assist.ts';
import { answerText, embeddingCosine, type Answer, type JudgeOutcome, type PairEvidence, type PairRequest } from './scorers/index.ts';
import { parseRequest, parseResponse, type CandidatePair } from './store.ts';

export interface PreparedPair {
  readonly candidate: CandidatePair;
  readonly workload: WorkloadConfig;
  readonly request: ExchangeRequestContent | undefined;
  readonly pairRequest: PairRequest;
  readonly primary: Answer;
  readonly shadow: Answer;
  /** What the semantic measures compare: canonical JSON, tool calls, or the text. */
  readonly primaryText: string;
  readonly shadowText: string;
}

function answerOf(responseJson: string, latencyMs: number, ttftMs: number | null, outputTokens: number, finishReason: string): Answer {
  const response = parseResponse(responseJson);
  return {
    content: response?.content ?? null,
    refusal: response?.refusal ?? null,
    toolCalls: response?.tool_calls ?? [],
    finishReason: finishReason === '' ? null : finishReason,
    latencyMs,
    ttftMs,
    outputTokens,
  };
}

/** Undefined for a pair of a workload no longer configured. */
export function preparePair(c: CandidatePair, workloads: Readonly<Record<string, WorkloadConfig>>): PreparedPair | undefined {
  const workload = workloads[c.workload];
  if (workload === undefined) return undefined;
  const request = parseRequest(c.p_request_json);
  const primary = answerOf(c.p_response_json, c.p_latency_ms, c.p_ttft_ms, c.p_output_tokens, c.p_finish_reason);
  const shadow = answerOf(c.response_json, c.latency_ms, c.ttft_ms, c.output_tokens, c.finish_reason);
  return {
    candidate: c,
    workload,
    request,
    pairRequest: { responseFormat: request?.response_format, tools: request?.tools },
    primary,
    shadow,
    primaryText: answerText(primary),
    shadowText: answerText(shadow),
  };
}

function byWorkload(pairs: readonly PreparedPair[], wanted: (w: WorkloadConfig) => boolean): Map<WorkloadConfig, PreparedPair[]> {
  const out = new Map<WorkloadConfig, PreparedPair[]>();
  for (const p of pairs) {
    if (!wanted(p.workload)) continue;
    const list = out.get(p.workload);
    if (list === undefined) out.set(p.workload, [p]);
    else list.push(p);
  }
  return out;
}

/** Per pair record_id: the embeddings cosine of its two answers, or why there is none. */
export async function embeddingEvidence(assist: ParityAssist | undefined, pairs: readonly PreparedPair[]): Promise<Map<string, PairEvidence>> {
  const evidence = new Map<string, PairEvidence>();
  if (assist === undefined) return evidence;
  const groups = byWorkload(pairs, (w) => w.parity.embeddings !== undefined);
  await Promise.all(
    [...groups].map(async ([workload, group]) => {
      const texts = new Map<string, string>();
      for (const p of group) {
        texts.set(`p:${p.candidate.p_record_id}`, p.primaryText);
        texts.set(`s:${p.candidate.record_id}`, p.shadowText);
      }
      const embedded = await assist.embed(workload, texts);
      for (const p of group) {
        const primaryKey = `p:${p.candidate.p_record_id}`;
        const shadowKey = `s:${p.candidate.record_id}`;
        const a = embedded.vectors.get(primaryKey);
        const b = embedded.vectors.get(shadowKey);
        const cosine = a === undefined || b === undefined ? undefined : embeddingCosine(a, b);
        evidence.set(
          p.candidate.record_id,
          cosine !== undefined
            ? { embeddingSimilarity: cosine }
            : { embeddingsFallback: embedded.failures.get(primaryKey) ?? embedded.failures.get(shadowKey) ?? 'vectors not comparable' },
        );
      }
    }),
  );
  return evidence;
}

/**
 * Per judged shadow pair record_id: the judge's outcome. One draw of `random` per shadow
 * pair of a judged workload, in order, so a seeded random replays the same sample. `asked`
 * counts calls per workload across the pages of one run (max_calls_per_run).
 */
export async function judgeEvidence(
  assist: ParityAssist | undefined,
  shadows: readonly PreparedPair[],
  random: Random,
  asked: Map<string, number> = new Map(),
): Promise<Map<string, JudgeOutcome>> {
  const outcomes = new Map<string, JudgeOutcome>();
  if (assist === undefined) return outcomes;
  const calls: Promise<void>[] = [];
  for (const p of shadows) {
    const judge = p.workload.parity.judge;
    if (judge === undefined) continue;
    const sampled = random() < judge.sample_rate;
    const count = asked.get(p.workload.name) ?? 0;
    // Nothing to compare (content not stored): no call is spent on it.
    const blank = p.primaryText.trim() === '' && p.shadowText.trim() === '';
    if (!sampled || blank || count >= judge.max_calls_per_run) continue;
    asked.set(p.workload.name, count + 1);
    calls.push(
      assist.judge(p.workload, p.request, p.primaryText, p.shadowText).then((outcome) => {
        outcomes.set(p.candidate.record_id, outcome);
      }),
    );
  }
  await Promise.all(calls);
  return outcomes;
}
