// Structural parity checks: one pure function per check. Each returns undefined when the
// check does not apply to this pair, so a verdict lists only what was actually judged.

import type { FunctionTool, ToolCall } from '../../schemas/index.ts';
import {
  fenceInner,
  jsonType,
  parseJson,
  parsedContent,
  schemaValidator,
  validateAgainst,
} from './json.ts';
import { finishReasonClass, refusalKind } from './refusal.ts';
import type { Answer, CheckName, CheckResult, PairRequest, ParityOptions } from './types.ts';

export type StructuralCheck = (
  primary: Answer,
  shadow: Answer,
  request: PairRequest,
  options: ParityOptions,
) => CheckResult | undefined;

function result(check: CheckName, pass: boolean, detail: string, score?: number): CheckResult {
  return { check, pass, score: score ?? (pass ? 1 : 0), detail };
}

function jsonAsked(request: PairRequest): boolean {
  const t = request.responseFormat?.type;
  return t === 'json_object' || t === 'json_schema';
}

function requestSchema(request: PairRequest): Record<string, unknown> | undefined {
  const format = request.responseFormat;
  if (format?.type !== 'json_schema') return undefined;
  const schema = format.json_schema.schema;
  return schema !== null && typeof schema === 'object' ? schema : undefined;
}

function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** JSON was asked: the shadow's content must JSON.parse as the client will (no fences). */
export const jsonCheck: StructuralCheck = (primary, shadow, request) => {
  if (!jsonAsked(request) || !parsedContent(primary).ok) return undefined;
  const parsed = parsedContent(shadow);
  if (parsed.ok) return result('json', true, 'content parses as JSON');
  const content = shadow.content ?? '';
  const inner = fenceInner(content);
  if (inner !== undefined && parseJson(inner).ok)
    return result('json', false, 'content is JSON wrapped in a ``` fence: JSON.parse fails on it');
  return result('json', false, `content is not JSON: ${clip(parsed.error)}`);
};

/** json_schema with a schema: the shadow's JSON must validate (ajv, first error reported). */
export const schemaCheck: StructuralCheck = (_primary, shadow, request) => {
  const schema = requestSchema(request);
  if (schema === undefined) return undefined;
  const parsed = parsedContent(shadow);
  if (!parsed.ok) return undefined; // the json check already fails it
  const validate = schemaValidator(schema);
  if (validate === undefined) return undefined; // the request's own schema does not compile
  const error = validateAgainst(validate, parsed.value);
  return error === undefined
    ? result('schema', true, 'validates against the json_schema')
    : result('schema', false, `json_schema: ${clip(error, 120)}`);
};

function keyTypes(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out.set(k, jsonType(v));
  return out;
}

/** JSON without a schema: same top-level keys and value types as the primary (renames fail). */
export const jsonKeysCheck: StructuralCheck = (primary, shadow, request) => {
  if (!jsonAsked(request) || requestSchema(request) !== undefined) return undefined;
  const p = parsedContent(primary);
  const s = parsedContent(shadow);
  if (!p.ok || !s.ok) return undefined;
  const pt = jsonType(p.value);
  const st = jsonType(s.value);
  if (pt !== 'object' || st !== 'object')
    return pt === st
      ? result('json_keys', true, `both top-level ${pt}`)
      : result('json_keys', false, `top-level ${pt} vs ${st}`);
  const pk = keyTypes(p.value);
  const sk = keyTypes(s.value);
  const missing: string[] = [];
  const retyped: string[] = [];
  let same = 0;
  for (const [k, t] of pk) {
    const other = sk.get(k);
    if (other === undefined) missing.push(k);
    else if (other !== t) retyped.push(`${k} ${t}→${other}`);
    else same++;
  }
  const extra: string[] = [];
  for (const k of sk.keys()) if (!pk.has(k)) extra.push(k);
  const union = pk.size + extra.length;
  const score = union === 0 ? 1 : same / union;
  if (missing.length === 0 && extra.length === 0 && retyped.length === 0)
    return result('json_keys', true, `same ${pk.size} keys and types`, score);
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
  if (extra.length > 0) parts.push(`extra ${extra.join(', ')}`);
  if (retyped.length > 0) parts.push(`type ${retyped.join(', ')}`);
  return result('json_keys', false, clip(parts.join('; '), 160), score);
};

function namesOf(calls: readonly ToolCall[]): string[] {
  return calls.map((c) => c.function.name).sort();
}

function multisetDiff(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of a) left.set(x, (left.get(x) ?? 0) + 1);
  for (const x of b) left.set(x, (left.get(x) ?? 0) - 1);
  const out: string[] = [];
  for (const [k, n] of left) for (let i = 0; i < n; i++) out.push(k);
  return out;
}

function declaredTool(tools: readonly FunctionTool[] | undefined, name: string): FunctionTool | undefined {
  return tools?.find((t) => t.function.name === name);
}

/** Same tool names (multiset) and count; shadow arguments parse and validate. */
export const toolCallsCheck: StructuralCheck = (primary, shadow, request) => {
  const given = request.tools !== undefined && request.tools.length > 0;
  if (!given && primary.toolCalls.length === 0 && shadow.toolCalls.length === 0) return undefined;
  const pn = namesOf(primary.toolCalls);
  const sn = namesOf(shadow.toolCalls);
  const missing = multisetDiff(pn, sn);
  const extra = multisetDiff(sn, pn);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [`${pn.length} tool calls vs ${sn.length}`];
    if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
    if (extra.length > 0) parts.push(`extra ${extra.join(', ')}`);
    return result('tool_calls', false, parts.join('; '));
  }
  for (const call of shadow.toolCalls) {
    const name = call.function.name;
    const args = parseJson(call.function.arguments);
    if (!args.ok) return result('tool_calls', false, `${name} arguments are not JSON: ${clip(args.error)}`);
    if (!given) continue;
    const tool = declaredTool(request.tools, name);
    if (tool === undefined) return result('tool_calls', false, `${name} is not a declared tool`);
    const parameters = tool.function.parameters;
    if (parameters === undefined) continue;
    const validate = schemaValidator(parameters);
    if (validate === undefined) continue;
    const error = validateAgainst(validate, args.value);
    if (error !== undefined) return result('tool_calls', false, `${name} arguments: ${clip(error, 120)}`);
  }
  return result('tool_calls', true, sn.length === 0 ? 'no tool calls on either side' : `same ${sn.length} tool calls, arguments valid`);
};

/** Same finish class: stop | length | tool_calls | content_filter | other. */
export const finishReasonCheck: StructuralCheck = (primary, shadow) => {
  const p = finishReasonClass(primary.finishReason);
  const s = finishReasonClass(shadow.finishReason);
  return p === s ? result('finish_reason', true, `both ${p}`) : result('finish_reason', false, `primary ${p}, shadow ${s}`);
};

/** One side refused and the other did not. */
export const refusalCheck: StructuralCheck = (primary, shadow) => {
  const p = refusalKind(primary);
  const s = refusalKind(shadow);
  if ((p === undefined) === (s === undefined))
    return result('refusal', true, p === undefined ? 'neither refused' : 'both refused');
  return p === undefined
    ? result('refusal', false, `shadow refused (${s}), primary answered`)
    : result('refusal', false, `primary refused (${p}), shadow answered`);
};

function textLength(answer: Answer): number {
  return (answer.content ?? answer.refusal ?? '').length;
}

/** Output length ratio shadow/primary within options.lengthRatio (tokens when both known). */
export const lengthCheck: StructuralCheck = (primary, shadow, _request, options) => {
  if (primary.toolCalls.length > 0 || shadow.toolCalls.length > 0) return undefined;
  const tokens = primary.outputTokens > 0 && shadow.outputTokens > 0;
  const p = tokens ? primary.outputTokens : textLength(primary);
  const s = tokens ? shadow.outputTokens : textLength(shadow);
  const unit = tokens ? 'tokens' : 'chars';
  if (p === 0 && s === 0) return result('length', true, 'both empty');
  if (p === 0) return result('length', false, `primary empty, shadow ${s} ${unit}`);
  const ratio = s / p;
  const { min, max } = options.lengthRatio;
  const score = ratio === 0 ? 0 : Math.min(ratio, 1 / ratio);
  const detail = `length ratio ${ratio.toFixed(2)} (${s}/${p} ${unit})`;
  return ratio >= min && ratio <= max
    ? result('length', true, `${detail} within [${min}, ${max}]`, score)
    : result('length', false, `${detail} outside [${min}, ${max}]`, score);
};

/**
 * Below this, a latency is the gateway's own scheduling (a GC pause, a busy event loop),
 * not the provider: no LLM API answers that fast. A primary median under it counts as it,
 * so a 0.5 ms simulated primary does not fail a 4 ms shadow for being "8× slower".
 */
export const latencyFloorMs = 25;

function ratioCheck(check: CheckName, what: string, p: number, s: number, maxRatio: number, typical: boolean): CheckResult {
  const ratio = s / Math.max(p, latencyFloorMs);
  const detail = `${what} ${Math.round(s)} ms vs ${typical ? 'primary median ' : ''}${Math.round(p)} ms, ratio ${ratio.toFixed(2)}`;
  const score = ratio <= 1 ? 1 : 1 / ratio;
  return ratio <= maxRatio
    ? result(check, true, `${detail} ≤ ${maxRatio}`, score)
    : result(check, false, `${detail} > ${maxRatio}`, score);
}

function usableMs(ms: number | null): ms is number {
  return ms !== null && Number.isFinite(ms) && ms >= 0;
}

/** Total latency ratio shadow/primary within options.latencyRatioMax. */
export const latencyCheck: StructuralCheck = (primary, shadow, _request, options) => {
  const typical = options.primaryTypical?.latencyMs;
  const reference = usableMs(typical ?? null) ? (typical as number) : primary.latencyMs;
  if (!usableMs(reference) || !usableMs(shadow.latencyMs)) return undefined;
  return ratioCheck('latency', 'latency', reference, shadow.latencyMs, options.latencyRatioMax, reference === typical);
};

/** Time-to-first-token ratio, only when both sides streamed and recorded it. */
export const ttftCheck: StructuralCheck = (primary, shadow, _request, options) => {
  if (!usableMs(primary.ttftMs) || !usableMs(shadow.ttftMs)) return undefined;
  const typical = options.primaryTypical?.ttftMs;
  const reference = usableMs(typical ?? null) ? (typical as number) : primary.ttftMs;
  return ratioCheck('ttft', 'ttft', reference, shadow.ttftMs, options.ttftRatioMax, reference === typical);
};

/** Every structural check, in verdict order. */
export const structuralChecks: readonly StructuralCheck[] = [
  jsonCheck,
  schemaCheck,
  jsonKeysCheck,
  toolCallsCheck,
  finishReasonCheck,
  refusalCheck,
  lengthCheck,
  latencyCheck,
  ttftCheck,
];
