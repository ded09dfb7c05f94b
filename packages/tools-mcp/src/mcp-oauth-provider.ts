import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { McpOAuthStore } from './mcp-oauth-store.js';

/** Path of the loopback redirect URI. */
export const MCP_OAUTH_CALLBACK_PATH = '/oauth/callback';

export interface McpOAuthProviderOptions {
  store: McpOAuthStore;
  /** Loopback port for the redirect URI; a free one is chosen (and kept with the registration) when left out. */
  redirectPort?: number | undefined;
  /** Requested scope when the server advertises none. */
  scope?: string | undefined;
  /** A client registered by hand with the authorization server (no dynamic registration then). */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Sent as `client_name` when registering. */
  clientName?: string | undefined;
}

/** A port on 127.0.0.1 that nothing listens on now. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The SDK's `OAuthClientProvider` for one remote MCP server: dynamic client registration, PKCE,
 * tokens refreshed by the SDK when the server answers 401, and everything kept in the server's
 * {@link McpOAuthStore} file. The redirect URI is `http://127.0.0.1:<port>/oauth/callback`, a port
 * the CLI itself listens on during sign-in. `redirectToAuthorization` hands the URL to whoever
 * set `onAuthorizationUrl` (the sign-in flow prints or opens it; a session only notes it).
 */
export class McpOAuthProvider implements OAuthClientProvider {
  readonly store: McpOAuthStore;
  readonly port: number;
  readonly #options: McpOAuthProviderOptions;
  readonly #state = randomBytes(16).toString('base64url');
  /** Receives the authorization URL when the SDK needs the user to sign in. */
  onAuthorizationUrl: ((url: URL) => void | Promise<void>) | undefined;
  /** The last authorization URL the SDK asked for (set once a sign-in is needed). */
  authorizationUrl: URL | undefined;

  private constructor(options: McpOAuthProviderOptions, port: number) {
    this.#options = options;
    this.store = options.store;
    this.port = port;
  }

  /** A provider whose redirect port is the stored one, else the configured one, else a free one. */
  static async create(options: McpOAuthProviderOptions): Promise<McpOAuthProvider> {
    const stored = options.store.read().redirect_port;
    const port = options.redirectPort ?? stored ?? (await freeLoopbackPort());
    return new McpOAuthProvider(options, port);
  }

  get redirectUrl(): string {
    return `http://127.0.0.1:${this.port}${MCP_OAUTH_CALLBACK_PATH}`;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#options.clientName ?? 'ml-intern',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.#options.clientSecret ? 'client_secret_post' : 'none',
      ...(this.#options.scope ? { scope: this.#options.scope } : {}),
    };
  }

  /** The `state` sent with the authorization request; the callback must bring it back. */
  state(): string {
    return this.#state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    if (this.#options.clientId) {
      return { client_id: this.#options.clientId, ...(this.#options.clientSecret ? { client_secret: this.#options.clientSecret } : {}) };
    }
    const record = this.store.read();
    // A registration made for another redirect port does not accept this one.
    if (record.redirect_port !== undefined && record.redirect_port !== this.port) return undefined;
    return record.client_information;
  }

  saveClientInformation(clientInformation: OAuthClientInformationMixed): void {
    if (this.#options.clientId) return;
    this.store.update((record) => ({ ...record, client_information: clientInformation, redirect_port: this.port }));
  }

  tokens(): OAuthTokens | undefined {
    return this.store.read().tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.store.update((record) => {
      const { code_verifier: _used, ...rest } = record;
      return { ...rest, tokens };
    });
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrl = authorizationUrl;
    await this.onAuthorizationUrl?.(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.store.update((record) => ({ ...record, code_verifier: codeVerifier }));
  }

  codeVerifier(): string {
    const verifier = this.store.read().code_verifier;
    if (!verifier) throw new Error('no PKCE code verifier was saved for this sign-in; start it again');
    return verifier;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    this.store.update((record) => {
      const next = { ...record };
      if (scope === 'all' || scope === 'client') {
        delete next.client_information;
        delete next.redirect_port;
      }
      if (scope === 'all' || scope === 'tokens') {
        delete next.tokens;
      }
      if (scope === 'all' || scope === 'verifier') delete next.code_verifier;
      if (scope === 'all' || scope === 'discovery') delete next.discovery_state;
      return next;
    });
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.store.update((record) => ({ ...record, discovery_state: state }));
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.store.read().discovery_state;
  }
}
