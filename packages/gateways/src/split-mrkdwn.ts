const FENCE = '```';
// Room kept in each chunk for the fence that closes a code block cut at the chunk's end.
const FENCE_RESERVE = FENCE.length + 1;

function togglesFence(line: string): boolean {
  return line.split(FENCE).length % 2 === 0;
}

/**
 * Cut a single over-long line into pieces of at most `limit` characters, preferring whitespace
 * and never cutting inside an entity (`&amp;`) or a Slack link (`<url|text>`).
 */
function cutLine(line: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let cut = limit;
    const window = rest.slice(0, limit);
    const openLink = window.lastIndexOf('<');
    if (openLink > limit / 2 && window.indexOf('>', openLink) < 0) cut = openLink;
    const ampersand = window.lastIndexOf('&', cut - 1);
    if (ampersand > 0 && ampersand >= cut - 4 && !window.slice(ampersand, cut).includes(';')) cut = ampersand;
    const space = window.lastIndexOf(' ', cut);
    if (space > cut - 200 && space > limit / 2) cut = space + 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * Split mrkdwn into chunks of at most `limit` characters (Slack section blocks take 3,000) at line
 * boundaries. A code block cut between chunks is closed at the end of one and reopened in the
 * next, so each chunk renders on its own.
 */
export function splitMrkdwn(text: string, limit: number): string[] {
  const budget = limit - 2 * FENCE_RESERVE;
  if (budget <= 0) throw new RangeError(`limit ${limit} is too small to split mrkdwn`);
  const chunks: string[] = [];
  let current: string | undefined;
  let inFence = false;
  const close = () => {
    if (current === undefined) return;
    chunks.push(inFence ? `${current}\n${FENCE}` : current);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    for (const piece of line.length > budget ? cutLine(line, budget) : [line]) {
      if (current !== undefined && current.length + 1 + piece.length > budget) {
        close();
      }
      if (current === undefined && inFence && piece.trim() === FENCE) {
        inFence = false; // the code block ended exactly at the cut: nothing to reopen
        continue;
      }
      if (current === undefined) current = inFence ? `${FENCE}\n${piece}` : piece;
      else current += `\n${piece}`;
      if (togglesFence(piece)) inFence = !inFence;
    }
  }
  close();
  return chunks.filter((chunk) => chunk.trim() !== '' && chunk !== `${FENCE}\n${FENCE}`);
}
