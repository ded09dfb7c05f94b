import path from 'node:path';
import { startFakeOpenId, type FakeOpenId, type FakeOpenIdUser } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { startScriptedServer } from './__fixtures__/scripted-server.js';
import { HF_OAUTH_SCOPES } from './hf-oauth.js';

/** A browser's cookie jar, enough for one origin. */
class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie: this.header() } });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (attributes.some((attribute) => /max-age=0\b/i.test(attribute.trim())) || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return response;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The whole sign-in: server → provider → callback → signed in. */
  async signIn(server: string, provider: FakeOpenId, user: FakeOpenIdUser): Promise<Response> {
    provider.signInAs(user);
    const login = await this.get(`${server}/auth/login`);
    expect(login.status).toBe(302);
    const authorize = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    return this.get(authorize.headers.get('location') ?? '');
  }
}

const alice = { sub: 'user-alice', preferred_username: 'alice', name: 'Alice' };
const bob = { sub: 'user-bob', preferred_username: 'bob' };

describe('sign-in with Hugging Face (hf_oauth)', () => {
  it('signs in with the code flow and PKCE; each user sees only their own sessions, with their own token', async () => {
    await using provider = await startFakeOpenId();
    await using running = await startScriptedServer(() => [{ text: 'hi' }], {
      token: undefined,
      oauth: { clientId: provider.clientId, clientSecret: provider.clientSecret, providerUrl: provider.providerUrl },
    });
    const { url } = running;
    const browser = new Browser();
    expect((await browser.get(`${url}/api/sessions`)).status).toBe(401);
    const home = await browser.get(`${url}/`);
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/auth/login');

    const login = await browser.get(`${url}/auth/login`);
    const authorizeUrl = new URL(login.headers.get('location') ?? '');
    expect(authorizeUrl.origin).toBe(provider.url);
    expect(authorizeUrl.searchParams.get('scope')).toBe(HF_OAUTH_SCOPES.join(' '));
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${url}/auth/callback`);

    const signedIn = await browser.signIn(url, provider, alice);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
    const me = await browser.get(`${url}/api/me`);
    const meText = await me.text();
    expect(JSON.parse(meText)).toEqual({ auth: 'hf_oauth', user: { id: 'user-alice', name: 'alice', avatar_url: null } });
    const [aliceToken] = [...provider.issued].filter(([, grant]) => grant.user.sub === 'user-alice').map(([token]) => token).slice(-1);
    expect(aliceToken).toBeDefined();
    expect(meText).not.toContain(aliceToken as string);

    const created = await browser.get(`${url}/api/sessions`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: '{}' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const request = running.requests.at(-1);
    expect(request?.user).toMatchObject({ id: 'user-alice', name: 'alice', token: aliceToken });
    expect(path.relative(running.root, request?.workspace ?? '').split(path.sep)[0]).toBe('user-alice');
    // Operations and the events stream work with the sign-in cookie.
    const operation = await browser.get(`${url}/api/sessions/${id}/operations`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'user_input', text: 'hello' }) });
    expect(operation.status).toBe(202);

    const other = new Browser();
    await other.signIn(url, provider, bob);
    const listed = (await (await other.get(`${url}/api/sessions`)).json()) as { sessions: { id: string }[] };
    expect(listed.sessions.map((session) => session.id)).not.toContain(id);
    expect((await other.get(`${url}/api/sessions/${id}`)).status).toBe(404);
    expect((await other.get(`${url}/api/sessions/${id}/events`)).status).toBe(404);
    const foreignOperation = await other.get(`${url}/api/sessions/${id}/operations`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'interrupt' }) });
    expect(foreignOperation.status).toBe(404);
    const mine = (await (await browser.get(`${url}/api/sessions`)).json()) as { sessions: { id: string }[] };
    expect(mine.sessions.map((session) => session.id)).toEqual([id]);

    const logout = await browser.get(`${url}/auth/logout`, { method: 'POST', headers: { origin: url } });
    expect(logout.status).toBe(204);
    expect((await browser.get(`${url}/api/sessions`)).status).toBe(401);
  });

  it('refuses a callback whose state is not the one this browser was given', async () => {
    await using provider = await startFakeOpenId();
    await using running = await startScriptedServer(() => [], {
      token: undefined,
      oauth: { clientId: provider.clientId, clientSecret: provider.clientSecret, providerUrl: provider.providerUrl },
    });
    const victim = new Browser();
    const attacker = new Browser();
    await attacker.get(`${running.url}/auth/login`);
    const login = await attacker.get(`${running.url}/auth/login`);
    const authorize = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' });
    // The attacker's callback link, opened in the victim's browser (login CSRF).
    const callback = await victim.get(authorize.headers.get('location') ?? '');
    expect(callback.status).toBe(400);
    expect(victim.cookies.has('ml_intern_login')).toBe(false);
    const wrongSecret = await startScriptedServer(() => [], {
      token: undefined,
      oauth: { clientId: provider.clientId, clientSecret: 'not-the-secret', providerUrl: provider.providerUrl },
    });
    await using _closing = wrongSecret;
    const refused = await new Browser().signIn(wrongSecret.url, provider, alice);
    expect(refused.status).toBe(502);
  });
});
