import { runTool } from '@ml-intern/core/testing';
import { describe, expect, it } from 'vitest';
import { SFT_SCRIPT, TOKEN } from './__fixtures__/github-repositories.js';
import { startFixtureGitHub } from './__fixtures__/start-fixture-github.js';
import { createGitHubReadFileTool } from './read-file-tool.js';

// A small GraphQL text limit makes big_module.py (about 30 KB) come back truncated, as GitHub does for large blobs.
const github = await startFixtureGitHub({ blobTextLimit: 20_000 });

const tool = () => createGitHubReadFileTool({ token: TOKEN, apiUrl: github.url });

describe('github_read_file', () => {
  it('reads a whole short file with a header', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/scripts/sft.py' });
    expect(result.isError).toBe(false);
    expect(result.output).toBe(`huggingface/trl/examples/scripts/sft.py (${Buffer.byteLength(SFT_SCRIPT)} bytes) — lines 1–6 of 6:\n${SFT_SCRIPT}`);
    expect(github.requests[0]!.json).toMatchObject({ variables: { owner: 'huggingface', name: 'trl', expression: 'HEAD:examples/scripts/sft.py' } });
  });

  it('returns the first 300 lines by default with a pointer to the rest', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'trl/trainer/big_module.py' });
    expect(result.output).toContain('lines 1–300 of 1000:');
    expect(result.output).toContain('value_300 = 300  # line 300\n\n[Lines 301–1000 not shown. Call github_read_file with line_start=301 to continue.]');
    expect(result.output).not.toContain('value_301 ');
  });

  it('returns exactly the requested line range', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'trl/trainer/big_module.py', line_start: 450, line_end: 452 });
    const [header, ...body] = result.output.split('\n\n')[0]!.split('\n');
    expect(header).toContain('lines 450–452 of 1000:');
    expect(body).toEqual(['value_450 = 450  # line 450', 'value_451 = 451  # line 451', 'value_452 = 452  # line 452']);
  });

  it('fetches files GraphQL truncates through the REST contents API', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'trl/trainer/big_module.py', line_start: 995 });
    expect(result.output).toContain('lines 995–1000 of 1000:');
    expect(result.output).toContain('value_1000 = 1000  # line 1000');
    const rest = github.requests[1]!;
    expect(rest.url).toBe('/repos/huggingface/trl/contents/trl/trainer/big_module.py');
    expect(rest.headers.accept).toBe('application/vnd.github.raw');
  });

  it('renders notebooks as markdown', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/notebooks/sft_lora_tutorial.ipynb' });
    expect(result.output).toContain('notebook with 3 cells rendered as markdown');
    expect(result.output).toContain('# Fine-tune with SFT and LoRA\n\nThis notebook trains a small model with `SFTTrainer`.');
    expect(result.output).toContain('```python\nfrom peft import LoraConfig\nconfig = LoraConfig(r=8, lora_alpha=16)');
    expect(result.output).toContain('Output:\n```\ntrainable params: 4,194,304\n```');
    expect(result.output).toContain('Output:\n```\nValueError: bad value\n```');
    expect(result.output).not.toContain('"cell_type"');
  });

  it('reads at a ref', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'README.md', ref: 'v0.20.0' });
    expect(result.output).toContain('huggingface/trl/README.md @ v0.20.0');
    const missing = await runTool(tool(), { repo: 'huggingface/trl', path: 'README.md', ref: 'v9' });
    expect(missing).toMatchObject({ isError: true, output: expect.stringContaining('Check that the ref "v9" exists.') });
  });

  it('lists a directory', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/scripts/' });
    expect(result.output).toContain('huggingface/trl/examples/scripts is a directory with 4 entries:\n- examples/scripts/dpo.py');
  });

  it('points to the closest files when a path does not exist', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/scripts/sft_train.py' });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('No file examples/scripts/sft_train.py at the default branch of huggingface/trl.');
    expect(result.output).toContain('Closest entries in examples/scripts: examples/scripts/sft.py');
  });

  it('suggests repositories when the repository does not exist', async () => {
    const result = await runTool(tool(), { repo: 'huggingface/perf', path: 'README.md' });
    expect(result.output).toContain('Repository huggingface/perf was not found');
    expect(result.output).toContain('- huggingface/peft');
  });

  it('refuses binary files and bad ranges', async () => {
    const binary = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/scripts/logo.png' });
    expect(binary).toMatchObject({ isError: true, output: expect.stringContaining('binary file (7 bytes)') });
    const past = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/scripts/sft.py', line_start: 50 });
    expect(past).toMatchObject({ isError: true, output: expect.stringContaining('line_start 50 is past the end of the file (6 lines)') });
    const reversed = await runTool(tool(), { repo: 'huggingface/trl', path: 'examples/scripts/sft.py', line_start: 5, line_end: 2 });
    expect(reversed.isError).toBe(true);
  });

  it('requires owner/name', async () => {
    const result = await runTool(tool(), { repo: 'trl', path: 'README.md' });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('use the form owner/name') });
  });
});
