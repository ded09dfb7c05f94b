import { ConfigError, loadConfig, loadDotEnv, maskSecrets } from '@ml-intern/core';
import builtin from '../../../../configs/cli_agent_config.json' with { type: 'json' };

/** `ml-intern config show`: the merged config with secrets masked, and its layers. */
export function showConfig(options: { config?: string }): number {
  const cwd = process.cwd();
  try {
    const env = loadDotEnv(cwd, process.env);
    const loaded = loadConfig({ builtin, builtinSource: 'configs/cli_agent_config.json', cwd, env, ...(options.config ? { configFile: options.config } : {}) });
    process.stdout.write(`${JSON.stringify(maskSecrets(loaded.config), null, 2)}\n`);
    process.stdout.write(`\nLayers (later wins): ${loaded.layers.map((layer) => layer.source).join(' < ')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ml-intern: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
