import { describe, expect, it } from 'vitest';
import { NOTEBOOK } from './__fixtures__/github-repositories.js';
import { partialRatio, pathMatchScore, similarityRatio, tokenSetRatio, tokenize } from './fuzzy-match.js';
import { notebookToMarkdown } from './notebook-to-markdown.js';
import { parseRepositoryName } from './repository-name.js';

describe('fuzzy matching', () => {
  it('computes thefuzz-style ratios', () => {
    expect(similarityRatio('transformers', 'transformers')).toBe(100);
    expect(similarityRatio('transfomers', 'transformers')).toBe(96);
    expect(similarityRatio('abc', 'xyz')).toBe(0);
    expect(partialRatio('lora', 'sft lora tutorial')).toBe(100);
    expect(tokenSetRatio('lora sft', 'examples/notebooks/sft_lora_tutorial.ipynb')).toBe(100);
    expect(tokenize('GRPOTrainer_v2-final.py')).toEqual(['grpotrainer', 'v2', 'final', 'py']);
    expect(tokenize('rewardModeling')).toEqual(['reward', 'modeling']);
  });

  it('scores paths by keyword without letting short segments match everything', () => {
    expect(pathMatchScore('grpo', 'examples/scripts/grpo.py')).toBe(100);
    expect(pathMatchScore('reward model', 'examples/research_projects/stack_llama/scripts/reward_modeling.py')).toBeGreaterThanOrEqual(80);
    expect(pathMatchScore('lora', 'src/a/b.py')).toBeLessThan(60);
    expect(pathMatchScore('', 'anything.py')).toBe(0);
  });
});

describe('notebookToMarkdown', () => {
  it('renders markdown, fenced code in the kernel language and text outputs', () => {
    const { markdown, cellCount, language } = notebookToMarkdown(NOTEBOOK);
    expect(cellCount).toBe(3);
    expect(language).toBe('python');
    expect(markdown).toContain("```python\nloss = trainer.evaluate()['eval_loss']\nloss\n```\n\nOutput:\n```\n0.42\n```");
    expect(markdown).toContain('Output:\n```\n<Figure size 640x480>\n```');
  });

  it('keeps code containing triple backticks intact and caps long outputs', () => {
    const notebook = JSON.stringify({
      cells: [{ cell_type: 'code', source: 'print("```")', outputs: [{ output_type: 'stream', text: 'x'.repeat(5000) }] }],
      metadata: { language_info: { name: 'julia' } },
    });
    const { markdown } = notebookToMarkdown(notebook);
    expect(markdown).toContain('````julia\nprint("```")\n````');
    expect(markdown).toContain('… [3000 more characters of output]');
  });

  it('reads nbformat 3 worksheets and rejects non-notebooks', () => {
    const v3 = JSON.stringify({ worksheets: [{ cells: [{ cell_type: 'code', input: ['a = 1'], outputs: [] }] }], metadata: {} });
    expect(notebookToMarkdown(v3).markdown).toBe('```python\na = 1\n```');
    expect(() => notebookToMarkdown('{"hello": 1}')).toThrow(SyntaxError);
    expect(() => notebookToMarkdown('not json')).toThrow(SyntaxError);
  });
});

describe('parseRepositoryName', () => {
  it.each([
    ['huggingface/trl', undefined, 'huggingface', 'trl'],
    ['trl', 'huggingface', 'huggingface', 'trl'],
    ['https://github.com/huggingface/trl/tree/main/examples', undefined, 'huggingface', 'trl'],
    ['github.com/openai/gpt-2.git', undefined, 'openai', 'gpt-2'],
  ])('reads %s', (text, defaultOwner, owner, name) => {
    expect(parseRepositoryName(text, defaultOwner)).toEqual({ owner, name });
  });

  it('rejects what is not a repository', () => {
    expect(() => parseRepositoryName('trl')).toThrow(/owner\/name/);
    expect(() => parseRepositoryName('a b/c')).toThrow(/owner\/name/);
  });
});
