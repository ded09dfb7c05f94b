import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { HfOAuthOptions, SignedInUser } from './server-types.js';

/** The scopes a Space with `hf_oauth: true` grants ml-intern: the Hub tools act as the user. */
export const HF_OAUTH_SCOPES = ['openid', 'profile', 'read-repos', 'write-repos', 'manage-repos', 'inference-api', 'jobs'] as const;

export const LOGIN_COOKIE = 'ml_intern_login';
const STATE_COOKIE = 'ml_intern_oauth_state';
const STATE_TTL_MS = 10 * 60_000;
const LOGIN_TTL_MS = 8 * 3_600_000;

interface ProviderMetadata {
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
}

interface PendingSignIn {
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Thrown when the provider answers something unusable; the message never carries a secret. */
export class SignInError extends Error {}

/**
 * The authorization-code flow with PKCE against the Hugging Face OpenID provider, and the
 * server-side sign-ins it creates: the browser holds only a random id in an HttpOnly cookie; the
 * user's access token stays in this process.
 */
export class HfOAuth {
  readonly #options: HfOAuthOptions;
  readonly #fetch: typeof fetch;
  #metadata: Promise<ProviderMetadata> | undefined;
  readonly #pending = new Map<string, PendingSignIn>();
  readonly #logins = new Map<string, { user: SignedInUser; expiresAt: number }>();

  constructor(options: HfOAuthOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
  }

  #discover(): Promise<ProviderMetadata> {
    this.#metadata ??= (async () => {
      const url = `${this.#options.providerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const response = await this.#fetch(url);
      if (!response.ok) throw new SignInError(`the OpenID provider at ${url} answered ${response.status}`);
      const body = (await response.json()) as Partial<ProviderMetadata>;
      if (!body.authorization_endpoint || !body.token_endpoint || !body.userinfo_endpoint) throw new SignInError(`the OpenID configuration at ${url} lacks an authorization, token or userinfo endpoint`);
      return body as ProviderMetadata;
    })();
    this.#metadata.catch(() => {
      this.#metadata = undefined;
    });
    return this.#metadata;
  }

  #origin(c: Context): string {
    return (this.#options.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
  }

  /** Cookies cross into the Space's iframe on huggingface.co only as `SameSite=None; Secure` (https); over plain http they are Lax. */
  #cookieOptions(c: Context) {
    const secure = this.#origin(c).startsWith('https://');
    return { httpOnly: true, path: '/', secure, sameSite: secure ? ('None' as const) : ('Lax' as const) };
  }

  /** `GET /auth/login`: off to the provider with a fresh state and PKCE challenge. */
  async login(c: Context): Promise<Response> {
    const metadata = await this.#discover();
    const state = base64url(randomBytes(24));
    const verifier = base64url(randomBytes(32));
    const redirectUri = `${this.#origin(c)}/auth/callback`;
    this.#sweep();
    this.#pending.set(state, { verifier, redirectUri, expiresAt: Date.now() + STATE_TTL_MS });
    setCookie(c, STATE_COOKIE, state, { ...this.#cookieOptions(c), maxAge: STATE_TTL_MS / 1000 });
    const target = new URL(metadata.authorization_endpoint);
    target.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.#options.clientId,
      redirect_uri: redirectUri,
      scope: (this.#options.scopes ?? HF_OAUTH_SCOPES).join(' '),
      state,
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return c.redirect(target.toString(), 302);
  }

  /** `GET /auth/callback`: the code for a token, the token for who the user is, then a sign-in cookie. */
  async callback(c: Context): Promise<Response> {
    const state = c.req.query('state') ?? '';
    const code = c.req.query('code');
    const expected = getCookie(c, STATE_COOKIE);
    const pending = this.#pending.get(state);
    this.#pending.delete(state);
    deleteCookie(c, STATE_COOKIE, { path: '/' });
    const error = c.req.query('error');
    if (error) return c.text(`Sign-in with Hugging Face was refused: ${error.slice(0, 200)}. Try again at /auth/login.`, 403);
    if (!code || !pending || expected !== state || pending.expiresAt < Date.now()) {
      return c.text('Sign-in failed: the sign-in link expired or came from another browser. Start again at /auth/login.', 400);
    }
    const metadata = await this.#discover();
    const tokenResponse = await this.#fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(this.#options.clientId)}:${encodeURIComponent(this.#options.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: pending.redirectUri, client_id: this.#options.clientId, code_verifier: pending.verifier }).toString(),
    });
    if (!tokenResponse.ok) return c.text(`Sign-in failed: the provider refused the code (${tokenResponse.status}). Start again at /auth/login.`, 502);
    const tokens = (await tokenResponse.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof tokens.access_token !== 'string' || tokens.access_token === '') return c.text('Sign-in failed: the provider sent no access token.', 502);
    const infoResponse = await this.#fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } });
    if (!infoResponse.ok) return c.text(`Sign-in failed: the provider's userinfo answered ${infoResponse.status}.`, 502);
    const info = (await infoResponse.json()) as { sub?: unknown; preferred_username?: unknown; name?: unknown; picture?: unknown };
    if (typeof info.sub !== 'string' || info.sub === '') return c.text('Sign-in failed: the provider did not say who signed in.', 502);
    const user: SignedInUser = {
      id: info.sub,
      name: typeof info.preferred_username === 'string' ? info.preferred_username : typeof info.name === 'string' ? info.name : info.sub,
      ...(typeof info.picture === 'string' ? { avatarUrl: info.picture } : {}),
      token: tokens.access_token,
    };
    const lifetimeMs = typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? Math.min(tokens.expires_in * 1000, LOGIN_TTL_MS) : LOGIN_TTL_MS;
    const id = base64url(randomBytes(32));
    this.#logins.set(id, { user, expiresAt: Date.now() + lifetimeMs });
    setCookie(c, LOGIN_COOKIE, id, { ...this.#cookieOptions(c), maxAge: Math.floor(lifetimeMs / 1000) });
    return c.redirect('/', 303);
  }

  /** `POST /auth/logout`: forget the sign-in. */
  logout(c: Context): Response {
    const id = getCookie(c, LOGIN_COOKIE);
    if (id) this.#logins.delete(id);
    deleteCookie(c, LOGIN_COOKIE, { path: '/' });
    return c.body(null, 204);
  }

  /** The signed-in user of a request (by its cookie), if any. */
  user(c: Context): SignedInUser | undefined {
    const id = getCookie(c, LOGIN_COOKIE);
    if (!id) return undefined;
    const login = this.#logins.get(id);
    if (!login) return undefined;
    if (login.expiresAt < Date.now()) {
      this.#logins.delete(id);
      return undefined;
    }
    return login.user;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [state, pending] of this.#pending) if (pending.expiresAt < now) this.#pending.delete(state);
    for (const [id, login] of this.#logins) if (login.expiresAt < now) this.#logins.delete(id);
  }
}
