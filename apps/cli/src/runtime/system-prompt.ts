import type { AnyTool } from '@ml-intern/core';
import template from '../../../../configs/system_prompt.md';
import sections from '../../../../configs/system_prompt_sections.json' with { type: 'json' };
import { formatInstructionsSection, type LoadedInstructions } from './project-instructions.js';
import type { RunMode, RuntimeDescription } from './runtime-types.js';

function firstSentence(text: string): string {
  const match = /^[^\n]*?[.!?](\s|$)/.exec(text);
  return (match ? match[0] : (text.split('\n')[0] ?? '')).trim();
}

/**
 * Render the system prompt from configs/: ML-engineering guidance plus the tool list, date and
 * cwd and the project instructions (AGENTS.md, ML_INTERN.md), with different sections for interactive vs autonomous runs and local vs remote runtimes.
 */
/** What the model is told about the network of its commands. */
function networkWords(description: RuntimeDescription): string {
  if (description.networkMode === 'allowlist') {
    const domains = description.allowedDomains?.length ? ` (${description.allowedDomains.join(', ')})` : '';
    return `limited to an allow-list${domains} through a proxy: pip install and Hub downloads work (HF_ENDPOINT points at a forwarder that adds the user's token, reads only), anything else is refused`;
  }
  const on = description.networkMode ? description.networkMode === 'full' : description.network;
  return on ? 'on' : 'off';
}

export function renderSystemPrompt(tools: readonly AnyTool[], context: { mode: RunMode; cwd: string; description: RuntimeDescription; date?: Date; instructions?: LoadedInstructions }): string {
  const { description } = context;
  const gpu = description.gpu.length
    ? `GPU available in the sandbox: ${description.gpu.map((gpu) => `${gpu.name} (${Math.round(gpu.memoryMiB / 1024)} GiB)`).join(', ')}.`
    : 'No local GPU: run GPU training as an HF Job (hf_jobs).';
  const remote = description.runtime.startsWith('remote');
  const values: Record<string, string> = {
    date: (context.date ?? new Date()).toISOString().slice(0, 10),
    cwd: context.cwd,
    runtime: description.runtime,
    gpu,
    mode: context.mode === 'interactive' ? sections.interactive : sections.autonomous,
    runtime_notes: [(remote ? sections.remote : sections.local).replace('{{network}}', networkWords(description)), ...(tools.some((tool) => tool.name === 'sandbox_create') ? [sections.space_sandbox] : [])].join('\n'),
    tools: tools.map((tool) => `- ${tool.name}: ${firstSentence(tool.description)}`).join('\n'),
    instructions: formatInstructionsSection(context.instructions),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => values[key] ?? '').replace(/\n{3,}/g, '\n\n').trim();
}
