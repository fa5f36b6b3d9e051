// Embeddings for the `simulated` provider: a hashed bag of words (unigrams and bigrams,
// lowercased, signed feature hashing into a fixed number of dimensions), L2-normalised.
// Deterministic and local, so the embeddings path of the evaluator runs with no network;
// it measures word overlap, not meaning: a demo and test stand-in for a real model.

import { fnv1a } from './simulated-hash.ts';

export const SIMULATED_EMBEDDING_DIMENSIONS = 256;

const wordPattern = /[\p{L}\p{N}]+/gu;

export function simulatedEmbedding(text: string, dimensions: number = SIMULATED_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const add = (feature: string, weight: number): void => {
    const h = fnv1a(feature);
    // The top bit picks the sign so collisions cancel out on average instead of piling up.
    vector[h % dimensions]! += h & 0x80000000 ? -weight : weight;
  };
  let previous: string | undefined;
  for (const match of text.toLowerCase().matchAll(wordPattern)) {
    const word = match[0];
    add(word, 1);
    if (previous !== undefined) add(`${previous} ${word}`, 0.5);
    previous = word;
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (norm === 0) {
    // No words at all: one fixed direction, so two word-less texts compare as equal.
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(norm);
  return vector.map((x) => x * scale);
}
