// Embedded semantic similarity: deterministic, no network, in [0, 1].
//
// score = 0.5 · lexical + 0.5 · character
//   lexical   = multiset Dice over word unigrams + bigrams (lowercased, Unicode-aware words:
//               letters, digits and marks; apostrophes inside a word are dropped; Han, kana,
//               Thai, Lao, Khmer and Myanmar characters are one token each; a light English
//               suffix strip: -ing, -ed, -ly, -s). Dice on counts falls when one side says
//               more or less, not only when it says something else.
//   character = cosine over character trigrams of the lowercased text, whitespace runs
//               collapsed, one space of padding each side. Robust to inflection, spelling,
//               tokenisation and scripts without spaces.
// JSON answers are compared as canonical JSON (keys sorted at every depth), tool-call answers
// as `name(canonical arguments)` lines, so key order never lowers the score.
//
// What it catches: rewording with the same words (high, not 1), truncation (half an answer
// ≈ 0.6–0.7), different facts or entities (each changed word costs its unigram, two bigrams
// and its trigrams), verbosity changes partly (a 3× superset ≈ 0.6), a language switch (low,
// shared names and numbers keep it above 0), renamed JSON keys and changed values (partly).
// What it cannot: paraphrase with different vocabulary (scores low although equivalent),
// negation flips ("is" vs "is not" costs one word: only partly), numeric correctness ("42" vs
// "43" is one token), reasoning quality. That is why a pair is judged against the primary's
// own twin noise rather than a constant, and why an embeddings or judge route is optional.
//
// Speed: no per-token strings; words and trigrams are hashed to 32-bit keys and counted in
// one reused open-addressing table shared by both sides (so no Map and no clearing). Inputs
// beyond MAX_SIMILARITY_CHARS are cut: the length check covers size.

import { canonicalJson, fenceInner, parseJson, parsedContent } from './json.ts';
import type { Answer } from './types.ts';

export const MAX_SIMILARITY_CHARS = 65_536;
export const LEXICAL_WEIGHT = 0.5;

// --- character classes ---------------------------------------------------------------------

const SEP = 0;
const WORD = 1;
const SINGLE = 2;
const JOIN = 3;
const UNKNOWN = 255;

const classes = new Uint8Array(65_536).fill(UNKNOWN);
for (let c = 0; c < 128; c++) {
  const word = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  classes[c] = word ? WORD : c === 39 ? JOIN : SEP;
}
classes[0x2019] = JOIN;
const SINGLE_RE = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const WORD_RE = /[\p{L}\p{N}\p{M}]/u;

function classOf(c: number): number {
  let k = classes[c]!;
  if (k === UNKNOWN) {
    const ch = String.fromCharCode(c);
    // Lone surrogates (astral characters: emoji, rare ideographs) count as separators.
    k = c >= 0xd800 && c <= 0xdfff ? SEP : SINGLE_RE.test(ch) ? SINGLE : WORD_RE.test(ch) ? WORD : SEP;
    classes[c] = k;
  }
  return k;
}

// --- hashing -----------------------------------------------------------------------------

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function wordHash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 39 || c === 0x2019) continue;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return fmix(h);
}

function bigramKey(a: number, b: number): number {
  return fmix(Math.imul(a, 0x9e3779b1) ^ b ^ 0x27d4eb2f);
}

function trigramKey(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x68e31da4, 0x9e3779b1);
  h = Math.imul(h ^ b, 0x85ebca6b);
  h = Math.imul(h ^ c, 0xc2b2ae35);
  return fmix(h);
}

/** Light English suffix strip on ASCII words: the end index of the stem. */
function stemEnd(s: string, start: number, end: number): number {
  const len = end - start;
  const last = s.charCodeAt(end - 1);
  const before = s.charCodeAt(end - 2);
  if (len > 5 && last === 103 && before === 110 && s.charCodeAt(end - 3) === 105) return end - 3; // -ing
  if (len > 4 && last === 100 && before === 101) return end - 2; // -ed
  if (len > 4 && last === 121 && before === 108) return end - 2; // -ly
  if (len > 3 && last === 115 && before !== 115) return end - 1; // -s, not -ss
  return end;
}

// --- the shared count table ----------------------------------------------------------------

let mask = 0;
let keys = new Int32Array(0);
let countA = new Int32Array(0);
let countB = new Int32Array(0);
let stamps = new Int32Array(0);
let used = new Int32Array(0);
let usedCount = 0;
let generation = 0;

/** Starts a fresh count for at most `distinct` keys; stamps make clearing unnecessary. */
function resetTable(distinct: number): void {
  let size = 1024;
  while (size < distinct * 2) size *= 2;
  if (size > keys.length) {
    keys = new Int32Array(size);
    countA = new Int32Array(size);
    countB = new Int32Array(size);
    stamps = new Int32Array(size);
    used = new Int32Array(size);
    mask = size - 1;
    generation = 0;
  }
  generation++;
  if (generation === 0x7fffffff) {
    stamps.fill(0);
    generation = 1;
  }
  usedCount = 0;
}

function count(key: number, sideB: boolean): void {
  let i = key & mask;
  for (;;) {
    if (stamps[i] !== generation) {
      stamps[i] = generation;
      keys[i] = key;
      countA[i] = sideB ? 0 : 1;
      countB[i] = sideB ? 1 : 0;
      used[usedCount++] = i;
      return;
    }
    if (keys[i] === key) {
      if (sideB) countB[i]!++;
      else countA[i]!++;
      return;
    }
    i = (i + 1) & mask;
  }
}

/** Counts word unigrams and bigrams of a lowercased text; returns how many were counted. */
function countWords(s: string, sideB: boolean): number {
  const n = s.length;
  let total = 0;
  let prev = 0;
  let havePrev = false;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    const k = classOf(c);
    let h: number;
    if (k === WORD) {
      const start = i++;
      let ascii = c < 128;
      while (i < n) {
        const d = s.charCodeAt(i);
        const kd = classOf(d);
        if (kd === WORD) {
          if (d >= 128) ascii = false;
          i++;
        } else if (kd === JOIN && i + 1 < n && classOf(s.charCodeAt(i + 1)) === WORD) i++;
        else break;
      }
      h = wordHash(s, start, ascii ? stemEnd(s, start, i) : i);
    } else if (k === SINGLE) {
      h = fmix(Math.imul(c, 0x9e3779b1) ^ 0x5bd1e995);
      i++;
    } else {
      i++;
      continue;
    }
    count(h, sideB);
    total++;
    if (havePrev) {
      count(bigramKey(prev, h), sideB);
      total++;
    }
    prev = h;
    havePrev = true;
  }
  return total;
}

function isSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000;
}

function countTrigrams(s: string, sideB: boolean): void {
  let a = -1;
  let b = 32;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (isSpace(c)) {
      if (b === 32) continue;
      c = 32;
    }
    if (a >= 0) count(trigramKey(a, b, c), sideB);
    a = b;
    b = c;
  }
  if (b !== 32 && a >= 0) count(trigramKey(a, b, 32), sideB);
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

function prepare(s: string): string {
  return (s.length > MAX_SIMILARITY_CHARS ? s.slice(0, MAX_SIMILARITY_CHARS) : s).toLowerCase();
}

/** Similarity of two texts as given (no JSON canonicalisation): both empty 1, one empty 0. */
export function textSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const blankA = isBlank(a);
  const blankB = isBlank(b);
  if (blankA || blankB) return blankA && blankB ? 1 : 0;
  const la = prepare(a);
  const lb = prepare(b);
  if (la === lb) return 1;
  // Distinct keys are bounded by counts: ≤ 2 per character for words (ideographs are one
  // token each, plus a bigram), ≤ 1 per character (+1) for trigrams.
  resetTable(2 * (la.length + lb.length) + 4);
  const wordsA = countWords(la, false);
  const wordsB = countWords(lb, true);
  let shared = 0;
  for (let u = 0; u < usedCount; u++) {
    const i = used[u]!;
    shared += Math.min(countA[i]!, countB[i]!);
  }
  const lexical = wordsA + wordsB === 0 ? -1 : (2 * shared) / (wordsA + wordsB);

  resetTable(la.length + lb.length + 4);
  countTrigrams(la, false);
  countTrigrams(lb, true);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let u = 0; u < usedCount; u++) {
    const i = used[u]!;
    const x = countA[i]!;
    const y = countB[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  const character = normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
  // Texts without a single word (punctuation, emoji) are judged on characters alone.
  const score = lexical < 0 ? character : LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * character;
  return Math.min(1, Math.max(0, score));
}

function canonicalObject(text: string): string | undefined {
  const parsed = parseJson(text);
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null
    ? canonicalJson(parsed.value)
    : undefined;
}

/** True when the first non-blank character is `{` or `[`. */
function opensLikeJsonContainer(text: string): boolean {
  const head = text.trimStart().charCodeAt(0);
  return head === 123 || head === 91;
}

/** A text as the semantic score sees it: JSON (also inside one ``` fence) canonicalised. */
export function semanticText(text: string): string {
  if (opensLikeJsonContainer(text)) return canonicalObject(text) ?? text;
  const inner = fenceInner(text);
  return inner === undefined ? text : (canonicalObject(inner) ?? text);
}

/** Similarity of two answer texts in [0, 1]; JSON is compared canonically. */
export function similarity(a: string, b: string): number {
  return textSimilarity(semanticText(a), semanticText(b));
}

/** The text the semantic check compares: canonical tool calls, canonical JSON, or the text. */
export function answerText(answer: Answer): string {
  if (answer.toolCalls.length > 0) {
    let out = '';
    for (const call of answer.toolCalls) {
      const args = parseJson(call.function.arguments);
      const rendered = args.ok ? canonicalJson(args.value) : call.function.arguments;
      out += `${out === '' ? '' : '\n'}${call.function.name}(${rendered})`;
    }
    return out;
  }
  const content = answer.content ?? '';
  if (isBlank(content)) return answer.refusal ?? '';
  // Only text opening with { or [ can parse to an object or array. Trying prose with
  // JSON.parse costs a thrown SyntaxError per answer: under `warmpath start` that was half
  // of the scoring's time on the router's thread.
  if (opensLikeJsonContainer(content)) {
    const parsed = parsedContent(answer);
    if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) return canonicalJson(parsed.value);
  }
  return semanticText(content);
}
