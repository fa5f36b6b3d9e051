// JSON values for the simulated provider: tool arguments and structured answers valid
// against the request's JSON Schema, stable per prompt and path.

import { seededRandom } from '../core/clock.ts';
import type { Random } from '../core/clock.ts';
import { fnv1a, hex } from './simulated-hash.ts';
import { pick, textAnswer, wordGroups } from './simulated-words.ts';

export function renameKeys(value: unknown, renames: Readonly<Record<string, string>>): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [Object.hasOwn(renames, key) ? (renames[key] as string) : key, v]));
}

/** What every generated value derives from: the prompt's hash and topics, and the noise. */
export interface SchemaGen { readonly hash: number; readonly topics: readonly string[]; readonly vary: (text: string) => string }

type Schema = Record<string, unknown>;

export function defaultObject(gen: SchemaGen, verbosity: number): unknown {
  const rng = seededRandom(fnv1a('confidence', gen.hash));
  return {
    answer: gen.vary(textAnswer(gen.hash, gen.topics, verbosity)),
    confidence: Math.round((0.5 + 0.5 * rng()) * 100) / 100,
    topics: [...gen.topics],
  };
}

const maxDepth = 8;

/** A value valid against `schema` (the common JSON Schema keywords), stable per prompt and path. */
export function fromSchema(input: unknown, gen: SchemaGen, path: string, depth: number, root: unknown = input): unknown {
  const schema = resolve(input, root);
  if (depth > 2 * maxDepth) return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const options = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(options) && options.length > 0) {
    const option = options.find((o) => resolve(o, root).type !== 'null') ?? options[0];
    return fromSchema({ ...schema, anyOf: undefined, oneOf: undefined, ...resolve(option, root) }, gen, path, depth + 1, root);
  }
  const rng = seededRandom(fnv1a(path, gen.hash));
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
  const type = types.find((t) => t !== 'null') ?? types[0] ?? (schema.properties ? 'object' : schema.items ? 'array' : 'string');
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth >= maxDepth) return out;
      for (const [key, sub] of Object.entries((schema.properties as Schema | undefined) ?? {})) {
        out[key] = fromSchema(sub, gen, `${path}/${key}`, depth + 1, root);
      }
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
      const count = depth >= maxDepth ? min : Math.min(max, Math.max(min, 1 + Math.floor(rng() * 3)));
      const items = Array.from({ length: count }, (_, i) => fromSchema(schema.items ?? {}, gen, `${path}/${i}`, depth + 1, root));
      return schema.uniqueItems === true ? [...new Map(items.map((item) => [JSON.stringify(item), item])).values()] : items;
    }
    case 'integer':
    case 'number':
      return numberFor(schema, type === 'integer', rng);
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    default:
      return stringFor(schema, gen, rng);
  }
}

function resolve(input: unknown, root: unknown): Schema {
  let schema = (input !== null && typeof input === 'object' ? input : {}) as Schema;
  for (let hops = 0; typeof schema.$ref === 'string' && schema.$ref.startsWith('#') && hops < 16; hops++) {
    let target: unknown = root;
    for (const segment of schema.$ref.slice(1).split('/').filter((s) => s !== '')) {
      target = (target as Schema | undefined)?.[decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    const { $ref: _ref, ...rest } = schema;
    schema = { ...(target as Schema | undefined), ...rest };
  }
  return schema;
}

function numberFor(schema: Schema, integer: boolean, rng: Random): number {
  const num = (key: string): number | undefined => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const exMin = num('exclusiveMinimum');
  const exMax = num('exclusiveMaximum');
  let lo = num('minimum') ?? (exMin === undefined ? undefined : integer ? Math.floor(exMin) + 1 : exMin);
  let hi = num('maximum') ?? (exMax === undefined ? undefined : integer ? Math.ceil(exMax) - 1 : exMax);
  if (lo === undefined && hi === undefined) [lo, hi] = integer ? [1, 10] : [0, 1];
  lo ??= (hi as number) - 10;
  hi ??= lo + 10;
  const step = num('multipleOf');
  if (step !== undefined && step > 0) {
    const first = Math.ceil(lo / step);
    return step * (first + Math.floor(rng() * Math.max(1, Math.floor(hi / step) - first + 1)));
  }
  if (integer) return Math.ceil(lo) + Math.floor(rng() * (Math.floor(hi) - Math.ceil(lo) + 1));
  const value = Math.round((lo + rng() * (hi - lo)) * 100) / 100;
  // Rounding may land on an exclusive bound; the midpoint never does.
  return value <= (exMin ?? -Infinity) || value >= (exMax ?? Infinity) || value < lo || value > hi ? (lo + hi) / 2 : value;
}

function stringFor(schema: Schema, gen: SchemaGen, rng: Random): string {
  const stamp = new Date(Date.UTC(2024, Math.floor(rng() * 12), 1 + Math.floor(rng() * 28), Math.floor(rng() * 24))).toISOString();
  const h = hex(rng() * 2 ** 32) + hex(rng() * 2 ** 32) + hex(rng() * 2 ** 32) + hex(rng() * 2 ** 32);
  const formatted: Record<string, string> = {
    'date-time': stamp.replace('.000Z', 'Z'),
    date: stamp.slice(0, 10),
    email: `${gen.topics[0] ?? 'user'}@example.com`,
    uri: `https://example.com/${gen.topics[0] ?? 'page'}`,
    uuid: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
  };
  if (typeof schema.format === 'string' && formatted[schema.format] !== undefined) return formatted[schema.format] as string;
  let text = gen.vary(`${pick(rng, wordGroups.adj)[0]} ${pick(rng, wordGroups.noun)[0]} for ${pick(rng, gen.topics)}`);
  while (text.length < ((schema.minLength as number | undefined) ?? 0)) text += ` ${pick(rng, wordGroups.noun)[0]}`;
  return typeof schema.maxLength === 'number' ? text.slice(0, schema.maxLength) : text;
}
