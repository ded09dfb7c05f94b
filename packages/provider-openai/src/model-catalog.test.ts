import { resolveModel } from '@ml-intern/core';
import { describe, expect, test } from 'vitest';
import { OPENAI_IMAGE_LIMITS, createOpenAIModel, lookupOpenAIModelInfo, openAIModelFactory } from './index.js';

describe('the OpenAI and HF router catalog lives with the provider', () => {
  test('createOpenAIModel from a script knows windows and prices', () => {
    const model = createOpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test' });
    expect(model.info).toEqual({ contextWindow: 128_000, maxOutputTokens: 16_384, pricing: { input: 2.5, output: 10, cacheRead: 1.25 }, imageInput: OPENAI_IMAGE_LIMITS });
    expect(lookupOpenAIModelInfo('openai', 'gpt-4o-2024-08-06').pricing).toEqual({ input: 2.5, output: 10, cacheRead: 1.25 });
    // gpt-oss is text only: no imageInput.
    expect(lookupOpenAIModelInfo('huggingface', 'openai/gpt-oss-120b:fastest')).toEqual({ contextWindow: 131_072, maxOutputTokens: 16_384 });
    expect(lookupOpenAIModelInfo('openai', 'gpt-4o-2024-08-06').imageInput).toEqual(OPENAI_IMAGE_LIMITS);
    // A local server's model is never priced or sized from the table: its window is asked of it.
    expect(lookupOpenAIModelInfo('vllm', 'gpt-4o')).toEqual({});
  });

  test('resolveModel: the app table overrides field by field', () => {
    const factories = { openai: openAIModelFactory({ env: { OPENAI_API_KEY: 'sk-test' } }) };
    const model = resolveModel('openai/gpt-5-mini', { factories, catalog: { 'openai/gpt-5-mini': { pricing: { input: 1, output: 1 } } } });
    expect(model.info).toEqual({ contextWindow: 400_000, maxOutputTokens: 128_000, pricing: { input: 1, output: 1 }, imageInput: OPENAI_IMAGE_LIMITS });
    const overridden = resolveModel('openai/gpt-5-mini', { factories, overrides: { contextWindow: 100_000 } });
    expect(overridden.info).toMatchObject({ contextWindow: 100_000, pricing: { input: 0.25, output: 2, cacheRead: 0.025 } });
  });
});
