/** A document to index: named text fields, each weighted by the index's boosts. */
export interface IndexedDocument {
  id: string;
  fields: Record<string, string>;
}

export interface SearchHit {
  id: string;
  score: number;
}

export interface Bm25Index {
  readonly size: number;
  search(query: string, limit: number): SearchHit[];
}

const STOPWORDS = new Set('a an and are as at be by for from how i in is it of on or the to what with do does can my use using'.split(' '));

/** Lowercase word tokens with a light suffix stemmer (upload/uploads/uploading → upload). */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!raw || STOPWORDS.has(raw)) continue;
    tokens.push(stem(raw));
  }
  return tokens;
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * BM25 (k1 1.2, b 0.75) over field-weighted term frequencies: a term in a field with boost 3
 * counts three times. Small, dependency-free and good enough for docs pages and API endpoints.
 */
export function createBm25Index(documents: readonly IndexedDocument[], boosts: Record<string, number> = {}): Bm25Index {
  const k1 = 1.2;
  const b = 0.75;
  const frequencies: Map<string, number>[] = [];
  const lengths: number[] = [];
  const documentFrequency = new Map<string, number>();
  for (const document of documents) {
    const counts = new Map<string, number>();
    let length = 0;
    for (const [field, text] of Object.entries(document.fields)) {
      const weight = boosts[field] ?? 1;
      for (const token of tokenize(text)) {
        counts.set(token, (counts.get(token) ?? 0) + weight);
        length += weight;
      }
    }
    for (const token of counts.keys()) documentFrequency.set(token, (documentFrequency.get(token) ?? 0) + 1);
    frequencies.push(counts);
    lengths.push(length);
  }
  const averageLength = lengths.reduce((sum, value) => sum + value, 0) / Math.max(1, lengths.length) || 1;

  return {
    size: documents.length,
    search(query, limit) {
      const terms = [...new Set(tokenize(query))];
      if (terms.length === 0) return [];
      const hits: SearchHit[] = [];
      documents.forEach((document, index) => {
        const counts = frequencies[index] as Map<string, number>;
        const length = lengths[index] as number;
        let score = 0;
        for (const term of terms) {
          const frequency = counts.get(term);
          if (!frequency) continue;
          const containing = documentFrequency.get(term) ?? 0;
          const idf = Math.log(1 + (documents.length - containing + 0.5) / (containing + 0.5));
          score += (idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * length) / averageLength));
        }
        if (score > 0) hits.push({ id: document.id, score });
      });
      return hits.sort((left, right) => right.score - left.score).slice(0, limit);
    },
  };
}
