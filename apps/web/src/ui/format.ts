export function formatUsd(value: number): string {
  if (value === 0) return '$0.00';
  if (value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

export function formatTokens(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return String(value);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

export function formatWhen(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** The fields of tool arguments that hold a script or command, shown as code and editable in an approval. */
export const CODE_FIELDS = ['script', 'command', 'code', 'content', 'new_str', 'cmd'] as const;

/** The script or command in a call's arguments; `editable` only for a plain string (an argv list is edited as JSON). */
export function codeField(args: unknown): { name: string; value: string; editable: boolean } | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const record = args as Record<string, unknown>;
  for (const name of CODE_FIELDS) {
    const value = record[name];
    if (typeof value === 'string') return { name, value, editable: true };
    if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return { name, value: value.join(' '), editable: false };
  }
  return undefined;
}
