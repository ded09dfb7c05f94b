/** README of a session trace dataset created by the uploader: what is inside and why it should stay private. */
export function sessionDatasetCard(id: string): string {
  return `---
pretty_name: ml-intern session traces
tags:
- agent-traces
- ml-intern
- claude-code
---

# ml-intern session traces (${id})

Sessions of the ml-intern agent, one file per session under \`sessions/<session id>.jsonl\`, in the
Claude Code JSONL format, so the Hub's agent trace viewer shows each session with its user
messages, assistant replies, reasoning, tool calls and tool results.

## Privacy

This dataset was created **private**. Secret-shaped strings (API tokens, \`*_TOKEN=\` assignments,
bearer headers) and the configured secrets are redacted before upload, but that is a best-effort
filter, not a review: traces can still contain code, file paths, command output,
data and anything else the agent read or wrote. Read the sessions before making this dataset public.

Uploads are turned on with \`share_traces\` in the ml-intern config and off by default.
`;
}
