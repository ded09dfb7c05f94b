import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { requestsTo, startTestHub } from '../__fixtures__/test-hub.js';
import { createHfInspectDatasetTool } from './hf-inspect-dataset-tool.js';
import { describeFeature, formatCell } from './dataset-viewer-format.js';

describe('hf_inspect_dataset', () => {
  test('shows validity, configs and splits with row counts, schema, truncated samples and parquet files', async () => {
    await using setup = await startTestHub();
    const result = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'tester/chat-demo' });
    expect(result.isError).toBe(false);
    const output = result.output;
    expect(output).toContain('Viewer: yes | preview: yes | search: yes | filter: yes');
    expect(output).toContain('- default (shown below): train (2,000 rows), test (100 rows)');
    expect(output).toContain('- long: train');
    expect(output).toContain('- messages: List[{role: string, content: string}]');
    expect(output).toContain('- quality: ClassLabel(low, high)');
    expect(output).toContain('## Sample rows (default/train)');
    expect(output).toContain('Row 2:');
    expect(output).not.toContain('Row 3:');
    const longCell = output.split('\n').find((line) => line.includes('"content":"word word'));
    expect(longCell?.trim().length).toBeLessThanOrEqual('messages: '.length + 150);
    expect(longCell).toMatch(/…$/);
    expect(output).toContain('- default/train: 1 file, 700.0 KB');
    expect(output).toContain(`${setup.hub.hubUrl}/datasets/tester/chat-demo/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet`);
    const viewerRequests = requestsTo(setup.hub, /^\/datasets-server\//);
    expect(viewerRequests.map((request) => request.path).sort()).toEqual(
      ['/datasets-server/first-rows', '/datasets-server/info', '/datasets-server/is-valid', '/datasets-server/parquet', '/datasets-server/splits'].sort(),
    );
    for (const request of viewerRequests) expect(request.headers.authorization).toMatch(/^Bearer hf_/);
  });

  test('picks a config and split, and lists the valid ones when given a wrong name', async () => {
    await using setup = await startTestHub();
    const tool = createHfInspectDatasetTool(setup.options);
    const long = await runTool(tool, { dataset: 'tester/chat-demo', config: 'long', sample_rows: 1 });
    expect(long.output).toContain('## Schema (long)\n- text: string');
    expect(long.output).toContain('text: A long document.');
    const test = await runTool(tool, { dataset: 'tester/chat-demo', split: 'test', sample_rows: 0 });
    expect(test.output).not.toContain('Sample rows');
    expect(requestsTo(setup.hub, /first-rows/)).toHaveLength(1);
    const badConfig = await runTool(tool, { dataset: 'tester/chat-demo', config: 'nope' });
    expect(badConfig.output).toContain('config "nope" not found in tester/chat-demo. Configs: default, long.');
    const badSplit = await runTool(tool, { dataset: 'tester/chat-demo', split: 'validation' });
    expect(badSplit.output).toContain('split "validation" not found in config "default". Splits: train, test.');
  });

  test('explains gated, private and missing datasets', async () => {
    await using setup = await startTestHub();
    const withToken = createHfInspectDatasetTool(setup.options);
    const gated = await runTool(withToken, { dataset: 'gated-org/medical-notes' });
    expect(gated.isError).toBe(true);
    expect(gated.output).toBe(
      `hf_inspect_dataset failed: dataset "gated-org/medical-notes" is gated: accept its terms at ${setup.hub.hubUrl}/datasets/gated-org/medical-notes with the account of your HF token, then retry.`,
    );
    const anonymous = createHfInspectDatasetTool({ ...setup.options, token: undefined });
    const gatedAnonymous = await runTool(anonymous, { dataset: 'gated-org/medical-notes' });
    expect(gatedAnonymous.output).toContain('configure HF_TOKEN for that account');
    const privateSet = await runTool(anonymous, { dataset: 'tester/private-set' });
    expect(privateSet.output).toContain('not found: dataset "tester/private-set"');
    expect(privateSet.output).toContain('if it is private, no HF token is configured; set HF_TOKEN');
    const readable = await runTool(withToken, { dataset: 'tester/private-set' });
    expect(readable.output).toContain('- id: int64');
    const missing = await runTool(withToken, { dataset: 'nobody/nothing' });
    expect(missing.output).toContain('not found: dataset "nobody/nothing"; check the repo id');
  });

  test('says when the viewer has nothing for an existing dataset', async () => {
    await using setup = await startTestHub({ seed: { repos: [{ type: 'dataset', id: 'tester/raw-files', files: { 'data.bin': 'x' } }] } });
    const result = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'tester/raw-files' });
    expect(result.isError).toBe(false);
    expect(result.output).toContain('Viewer: no');
    expect(result.output).toContain('List its files with hf_repo_files');
  });

  test('rides out a transient 503 from the viewer and rejects malformed ids before any request', async () => {
    await using setup = await startTestHub();
    setup.hub.fail({ path: '/datasets-server/splits', status: 503 });
    const result = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'tester/chat-demo', sample_rows: 0 });
    expect(result.isError).toBe(false);
    expect(requestsTo(setup.hub, /splits/)).toHaveLength(2);
    const before = setup.hub.requests.length;
    const invalid = await runTool(createHfInspectDatasetTool(setup.options), { dataset: 'a/b/c?x=1' });
    expect(invalid.isError).toBe(true);
    expect(setup.hub.requests.length).toBe(before);
  });

  test('describes features and cells compactly', () => {
    expect(describeFeature({ _type: 'Sequence', feature: { dtype: 'int32', _type: 'Value' } })).toBe('List[int32]');
    expect(describeFeature({ _type: 'Image' })).toBe('Image');
    expect(formatCell('a\n  b')).toBe('a b');
    expect(formatCell({ x: 1 })).toBe('{"x":1}');
    expect(formatCell(null)).toBe('null');
  });
});
