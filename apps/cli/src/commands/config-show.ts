import { ConfigError, maskSecrets } from '@ml-intern/core';
import { loadRuntimeConfig } from '../runtime/index.js';

/** `ml-intern config show`: the merged config with secrets masked, and its layers. */
export function showConfig(options: { config?: string; trustProject?: boolean }): number {
  const cwd = process.cwd();
  try {
    const { loaded, projectTrust, announcement } = loadRuntimeConfig({
      mode: 'interactive',
      cwd,
      env: process.env,
      ...(options.config ? { configFile: options.config } : {}),
      ...(options.trustProject ? { trustProject: true } : {}),
    });
    if (announcement) process.stderr.write(`${announcement}\n`);
    process.stdout.write(`${JSON.stringify(maskSecrets(loaded.config), null, 2)}\n`);
    process.stdout.write(`\nLayers (later wins): ${loaded.layers.map((layer) => layer.source).join(' < ')}\n`);
    if (projectTrust !== 'none') process.stdout.write(`Project folder: ${projectTrust}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ml-intern: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
