import { parseModelId } from '@ml-intern/core';

/** Does the environment hold credentials for this model's provider? (Local servers need none.) */
export function hasCredentials(modelId: string, env: Record<string, string | undefined>, hfToken: string | undefined): boolean {
  const route = parseModelId(modelId);
  switch (route.provider) {
    case 'anthropic':
      return Boolean(env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN);
    case 'openai':
      return Boolean(env.OPENAI_API_KEY);
    case 'huggingface':
      return Boolean(hfToken);
    default:
      return true;
  }
}

/** What to print when no provider is configured: every way to set one up, and the offline demo. */
export function noCredentialsMessage(modelId: string): string {
  return [
    `No credentials for the model "${modelId}". Configure one of:`,
    '',
    '  Anthropic        export ANTHROPIC_API_KEY=sk-ant-…        (model anthropic/claude-opus-4-6, the default)',
    '  OpenAI           export OPENAI_API_KEY=sk-…               then  ml-intern --model openai/gpt-5.5',
    '  Hugging Face     export HF_TOKEN=hf_…                     then  ml-intern --model huggingface/moonshotai/Kimi-K2.6',
    '  Local server     ollama / vLLM / LM Studio / llama.cpp    then  ml-intern --model ollama/<model>  (OLLAMA_BASE_URL, VLLM_BASE_URL, …)',
    '',
    'Put the variable in your shell or in a .env file in the project. The default model can be set with',
    '"model_name" in ~/.config/ml-intern/cli_agent_config.json or ML_INTERN_MODEL.',
    '',
    'No key yet? Try the offline demo (a scripted model driving the real tools):  ml-intern demo',
  ].join('\n');
}
