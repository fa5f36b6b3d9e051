// Cosine similarity of two embedding vectors, as a semantic score in [0, 1]: negative
// cosines (opposed directions, rare with text embeddings) count as 0, like unrelated text.

/** The cosine in [0, 1]; undefined when the vectors cannot be compared (dimensions differ, empty, zero, not finite). */
export function embeddingCosine(a: readonly number[], b: readonly number[]): number | undefined {
  if (a.length === 0 || a.length !== b.length) return undefined;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (!(normA > 0 && normB > 0)) return undefined;
  const cosine = dot / Math.sqrt(normA * normB);
  if (!Number.isFinite(cosine)) return undefined;
  return Math.min(1, Math.max(0, cosine));
}
