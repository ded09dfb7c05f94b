import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** What is kept for one server between runs. */
export interface McpOAuthRecord {
  /** The server URL the credentials belong to: they are never sent to another one. */
  server_url: string;
  /** The loopback port registered as the redirect URI. */
  redirect_port?: number;
  client_information?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
  code_verifier?: string;
  discovery_state?: OAuthDiscoveryState;
}

/**
 * `$XDG_CONFIG_HOME/ml-intern/mcp-oauth` (XDG_CONFIG_HOME defaults to `$HOME/.config`): beside the
 * trust decisions, in the folder sandboxed commands never see. Pass the real environment, never a project's `.env`.
 */
export function defaultMcpOAuthDir(env: Record<string, string | undefined>, home: string): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || home, '.config');
  return path.join(configHome, 'ml-intern', 'mcp-oauth');
}

/** A file name for a server name: anything outside `[\w.-]` is percent-encoded, so names never collide or escape the folder. */
export function mcpOAuthFileName(server: string): string {
  const safe = server.replace(/[^\w.-]/g, (character) => `%${character.codePointAt(0)!.toString(16).padStart(2, '0')}`);
  return `${safe.startsWith('.') ? `%2e${safe.slice(1)}` : safe}.json`;
}

/**
 * One server's OAuth record in `<dir>/<server>.json`: the folder is created 0700 and the file
 * written 0600 (through a temporary file and a rename, so a crash never leaves half a record).
 * A record saved for another URL reads as empty.
 */
export class McpOAuthStore {
  readonly file: string;
  readonly #dir: string;
  readonly #serverUrl: string;

  constructor(options: { dir: string; server: string; serverUrl: string }) {
    this.#dir = options.dir;
    this.#serverUrl = options.serverUrl;
    this.file = path.join(options.dir, mcpOAuthFileName(options.server));
  }

  read(): McpOAuthRecord {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return { server_url: this.#serverUrl };
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as McpOAuthRecord).server_url !== this.#serverUrl) return { server_url: this.#serverUrl };
    return parsed as McpOAuthRecord;
  }

  update(change: (record: McpOAuthRecord) => McpOAuthRecord): McpOAuthRecord {
    const next = { ...change(this.read()), server_url: this.#serverUrl };
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    chmodSync(this.#dir, 0o700);
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
    return next;
  }

  /** Forget everything stored for the server (`mcp logout`). */
  clear(): void {
    rmSync(this.file, { force: true });
  }
}
