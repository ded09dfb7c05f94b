import { runTool, type FakeViewerDataset } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfInspectDatasetTool } from './hf-inspect-dataset-tool.js';
import { analyseChatColumn, checkTrainingFormat } from './training-format.js';

const LANGS = ['en', 'fr', 'de'];
const PREF_ROWS = Array.from({ length: 12 }, (_, index) => ({
  prompt: `Question ${index}`,
  chosen: `Good answer ${index}${index === 7 ? ' about llamas' : ''}`,
  rejected: `Bad answer ${index}`,
  score: index / 2,
  label: index % 3 !== 0,
  lang: LANGS[index % 3] as string,
}));
const value = (dtype: string) => ({ dtype, _type: 'Value' });
const PREFS: FakeViewerDataset = {
  isValid: { viewer: true, preview: true, search: true, filter: true, statistics: true },
  splits: [{ config: 'default', split: 'train' }],
  info: { default: { features: { prompt: value('string'), chosen: value('string'), rejected: value('string'), score: value('float64'), label: value('bool'), lang: value('string') }, splits: { train: { name: 'train', num_examples: 12 } } } },
  firstRows: { 'default/train': PREF_ROWS.slice(0, 3) },
  rows: { 'default/train': PREF_ROWS },
  parquet: [],
};

async function setupHub() {
  return startTestHub({ seed: { repos: [{ type: 'dataset', id: 'tester/prefs', files: {} }, { type: 'dataset', id: 'tester/private-set', private: true, files: {} }], datasetViewer: { 'tester/prefs': PREFS, 'tester/private-set': { isValid: { viewer: true, preview: true }, splits: [{ config: 'default', split: 'train' }], info: { default: { features: { id: value('int64') } } }, firstRows: { 'default/train': [{ id: 1 }] }, parquet: [] } } } });
}

describe('hf_inspect_dataset queries', () => {
  test('rows pages through a split with offset and length and says how to continue', async () => {
    await using setup = await setupHub();
    const tool = createHfInspectDatasetTool(setup.options);
    const page = await runTool(tool, { operation: 'rows', dataset: 'tester/prefs', offset: 4, length: 3 });
    expect(page.isError).toBe(false);
    expect(page.output).toContain('# Dataset tester/prefs (default/train): rows\nRows 5–7 of 12');
    expect(page.output).toContain('Row 4:\n  prompt: Question 4');
    expect(page.output).toContain('Row 6:');
    expect(page.output).not.toContain('Row 7:');
    expect(page.output).toContain('More: call again with offset 7.');
    const [request] = requestsTo(setup.hub, /^\/datasets-server\/rows$/);
    expect(Object.fromEntries(new URL(request?.url ?? '', 'http://x').searchParams)).toEqual({ dataset: 'tester/prefs', config: 'default', split: 'train', offset: '4', length: '3' });
    const past = await runTool(tool, { operation: 'rows', dataset: 'tester/prefs', offset: 50 });
    expect(past.output).toContain('offset 50 is past the end (12 rows).');
  });

  test('search and filter go to the viewer with query, where and orderby', async () => {
    await using setup = await setupHub();
    const tool = createHfInspectDatasetTool(setup.options);
    const found = await runTool(tool, { operation: 'search', dataset: 'tester/prefs', query: 'llamas' });
    expect(found.output).toContain('rows matching "llamas"\nRows 1–1 of 1');
    expect(found.output).toContain('chosen: Good answer 7 about llamas');
    const filtered = await runTool(tool, { operation: 'filter', dataset: 'tester/prefs', where: `"lang" = 'fr' AND "score" >= 2`, order_by: '"score" DESC', length: 2 });
    expect(filtered.isError).toBe(false);
    expect(filtered.output).toContain(`rows where "lang" = 'fr' AND "score" >= 2 ordered by "score" DESC\nRows 1–2 of 3`);
    expect(filtered.output.indexOf('Row 10:')).toBeLessThan(filtered.output.indexOf('Row 7:'));
    expect(filtered.output).toContain('More: call again with offset 2.');
    const sent = new URL(requestsTo(setup.hub, /^\/datasets-server\/filter$/)[0]?.url ?? '', 'http://x').searchParams;
    expect([sent.get('where'), sent.get('orderby')]).toEqual([`"lang" = 'fr' AND "score" >= 2`, '"score" DESC']);
    const badColumn = await runTool(tool, { operation: 'filter', dataset: 'tester/prefs', where: '"nope" = 1' });
    expect(badColumn.isError).toBe(true);
    expect(badColumn.output).toContain('Referenced column "nope" not found');
    const injection = await runTool(tool, { operation: 'filter', dataset: 'tester/prefs', where: `"lang" = 'en'; DROP TABLE x` });
    expect(injection.isError).toBe(true);
    expect(injection.output).toContain('invalid symbols');
    const missing = await runTool(tool, { operation: 'search', dataset: 'tester/prefs' });
    expect(missing.output).toContain('search needs query');
  });

  test('statistics describe each column; a dataset without the capability says so', async () => {
    await using setup = await setupHub();
    const tool = createHfInspectDatasetTool(setup.options);
    const stats = await runTool(tool, { operation: 'statistics', dataset: 'tester/prefs' });
    expect(stats.isError).toBe(false);
    expect(stats.output).toContain('## Statistics (default/train, 12 rows)');
    expect(stats.output).toContain('- score (float): min 0, max 5.5, mean 2.75, median 2.75, std 1.803');
    expect(stats.output).toContain('- label (bool): 2 unique: True 8 (66.7%), False 4 (33.3%)');
    expect(stats.output).toContain('- lang (string_label): 3 unique: en 4 (33.3%), fr 4 (33.3%), de 4 (33.3%)');
    expect(stats.output).toContain('- prompt (string_text): length min 10, max 11');
    const none = await runTool(tool, { operation: 'search', dataset: 'tester/private-set', query: 'x' });
    expect(none.isError).toBe(false);
    expect(none.output).toContain('The dataset viewer has no search for tester/private-set');
    expect(requestsTo(setup.hub, /^\/datasets-server\/search$/)).toHaveLength(0);
    const anonymous = createHfInspectDatasetTool({ ...setup.options, token: undefined });
    const hidden = await runTool(anonymous, { operation: 'rows', dataset: 'tester/private-set' });
    expect(hidden.isError).toBe(true);
    expect(hidden.output).toContain('not found: dataset "tester/private-set"');
    const badSplit = await runTool(tool, { operation: 'rows', dataset: 'tester/prefs', split: 'test' });
    expect(badSplit.output).toContain('split "test" not found in config "default". Splits: train.');
  });

  test('inspect says which TRL trainers the columns fit', async () => {
    await using setup = await setupHub();
    const prefs = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'tester/prefs' });
    expect(prefs.output).toContain('## Training format (TRL, from the schema and 3 sample rows)');
    expect(prefs.output).toContain('- SFT: no — needs "messages", "text", or "prompt" + "completion": rename "chosen" to "completion" to train on the preferred answers');
    expect(prefs.output).toContain('- DPO: fits — explicit prompt (standard): "prompt", "chosen", "rejected"');
    expect(prefs.output).toContain('- GRPO: fits — prompt-only (standard) "prompt" column; reward functions receive the other columns as keyword arguments (score, lang)');
    expect(prefs.output).toContain('- KTO: no — needs "prompt", "completion" and a boolean "label"; KTOTrainer can also take the chosen/rejected pairs');
    expect(prefs.output).toContain('More: operation statistics, rows, search, filter');
  });
});

describe('training format check', () => {
  test('chat messages: roles, keys, tool calls, conversations that do not end with the assistant', async () => {
    await using setup = await startTestHub();
    const chat = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'tester/chat-demo' });
    expect(chat.output).toContain('- "messages": chat messages in 3 sample rows; roles: assistant, user\n  keys: role ✓, content ✓, tool_calls ✗, tool_call_id ✗, name ✗, function_call ✗');
    expect(chat.output).toContain('- SFT: fits — conversational "messages" column');
    expect(chat.output).toContain('- DPO: no');
    expect(chat.output).toContain('- GRPO: no — needs a "prompt" column: take the messages before the last assistant turn as "prompt"');
    expect(chat.output).toContain('- Note: 2 of 3 sample conversations do not end with an assistant turn');
    const schemaOnly = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'tester/chat-demo', sample_rows: 0 });
    expect(schemaOnly.output).toContain('- "messages": chat messages (from the schema)');
  });

  test('formats beyond the fixtures: ShareGPT, JSON-encoded messages, KTO, text', () => {
    const sharegpt = checkTrainingFormat([['conversations', [{ from: { dtype: 'string', _type: 'Value' }, value: { dtype: 'string', _type: 'Value' } }]]], [{ conversations: [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'hello' }] }]);
    expect(sharegpt.verdicts[0]).toEqual({ trainer: 'SFT', fits: false, how: expect.stringContaining('ShareGPT style (from/value)') });
    const encoded = analyseChatColumn('messages', [{ messages: JSON.stringify([{ role: 'user', content: 'a' }, { role: 'assistant', content: '', tool_calls: [{ id: '1' }] }, { role: 'tool', tool_call_id: '1', content: 'x' }]) }]);
    expect(encoded).toMatchObject({ roles: ['assistant', 'tool', 'user'], toolCalls: true, toolResults: true, notEndingWithAssistant: 1 });
    const kto = checkTrainingFormat([['prompt', { dtype: 'string', _type: 'Value' }], ['completion', { dtype: 'string', _type: 'Value' }], ['label', { dtype: 'bool', _type: 'Value' }]], []);
    expect(kto.verdicts.map((verdict) => [verdict.trainer, verdict.fits])).toEqual([['SFT', true], ['DPO', false], ['GRPO', true], ['KTO', true]]);
    const text = checkTrainingFormat([['text', { dtype: 'string', _type: 'Value' }]], []);
    expect(text.verdicts[0]?.how).toContain('language modelling on the "text" column');
  });
});
