/** Lower-case words of a text: split on non-alphanumerics and camelCase boundaries. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function longestCommonSubsequence(left: string, right: string): number {
  if (left.length === 0 || right.length === 0) return 0;
  let previous = new Uint16Array(right.length + 1);
  let current = new Uint16Array(right.length + 1);
  for (let row = 1; row <= left.length; row++) {
    const char = left.charCodeAt(row - 1);
    for (let column = 1; column <= right.length; column++) {
      current[column] = char === right.charCodeAt(column - 1) ? previous[column - 1]! + 1 : Math.max(previous[column]!, current[column - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[right.length]!;
}

/** Indel similarity of two strings, 0–100 (the `ratio` of python-Levenshtein / thefuzz). */
export function similarityRatio(left: string, right: string): number {
  const total = left.length + right.length;
  if (total === 0) return 100;
  return Math.round((200 * longestCommonSubsequence(left, right)) / total);
}

/** Best `similarityRatio` of the shorter string against every same-length window of the longer one. */
export function partialRatio(left: string, right: string): number {
  const [shorter, longer] = left.length <= right.length ? [left, right] : [right, left];
  if (shorter.length === 0) return 0;
  if (longer.includes(shorter)) return 100;
  let best = 0;
  for (let start = 0; start + shorter.length <= longer.length; start++) {
    best = Math.max(best, similarityRatio(shorter, longer.slice(start, start + shorter.length)));
    if (best === 100) break;
  }
  return best;
}

/**
 * thefuzz's `token_set_ratio`: compares the shared words plus each side's remaining words, so
 * "sft lora" fully matches "examples/scripts/sft_lora.py" whatever the word order.
 */
export function tokenSetRatio(left: string, right: string): number {
  const leftTokens = new Set(tokenize(left));
  const rightTokens = new Set(tokenize(right));
  const shared = [...leftTokens].filter((token) => rightTokens.has(token)).sort();
  const onlyLeft = [...leftTokens].filter((token) => !rightTokens.has(token)).sort();
  const onlyRight = [...rightTokens].filter((token) => !leftTokens.has(token)).sort();
  const base = shared.join(' ');
  const withLeft = [base, ...onlyLeft].filter(Boolean).join(' ');
  const withRight = [base, ...onlyRight].filter(Boolean).join(' ');
  if (base === '') return similarityRatio(withLeft, withRight);
  return Math.max(similarityRatio(base, withLeft), similarityRatio(base, withRight), similarityRatio(withLeft, withRight));
}

/**
 * How well a file path matches a keyword, 0–100: the best of a word-set match over the whole
 * path and a partial (substring-like) match against each path segment, which tolerates typos.
 */
export function pathMatchScore(keyword: string, path: string): number {
  const wanted = tokenize(keyword).join(' ');
  if (wanted === '') return 0;
  let best = tokenSetRatio(wanted, path);
  for (const segment of path.split('/')) {
    const words = tokenize(segment).join(' ');
    // A segment shorter than the keyword ("a", "py") must not count as containing it.
    if (words) best = Math.max(best, words.length >= wanted.length ? partialRatio(wanted, words) : similarityRatio(wanted, words));
    if (best === 100) break;
  }
  return best;
}
