import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { findHfToken, hfTokenPath, readStoredHfToken, storeHfToken } from './hf-token.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const home = () => directories.make('hf-token-test-');

describe('hfTokenPath', () => {
  it('follows huggingface_hub: HF_TOKEN_PATH, then HF_HOME, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(hfTokenPath({ HOME: '/home/ada' })).toBe('/home/ada/.cache/huggingface/token');
    expect(hfTokenPath({ HOME: '/home/ada', XDG_CACHE_HOME: '/cache' })).toBe('/cache/huggingface/token');
    expect(hfTokenPath({ HOME: '/home/ada', XDG_CACHE_HOME: '/cache', HF_HOME: '~/hf' })).toBe('/home/ada/hf/token');
    expect(hfTokenPath({ HOME: '/home/ada', HF_HOME: '/hf', HF_TOKEN_PATH: '/secrets/hf' })).toBe('/secrets/hf');
  });
});

describe('storeHfToken / readStoredHfToken', () => {
  it('stores the token readable by the owner only, where readStoredHfToken finds it', () => {
    const env = { HOME: home() };
    expect(readStoredHfToken(env)).toBeUndefined();
    const file = storeHfToken(' hf_abc123\n', env);
    expect(file).toBe(path.join(env.HOME, '.cache', 'huggingface', 'token'));
    expect(readFileSync(file, 'utf8')).toBe('hf_abc123');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readStoredHfToken(env)).toBe('hf_abc123');
  });

  it('tightens the mode of an existing token file', () => {
    const env = { HF_HOME: home() };
    const file = path.join(env.HF_HOME, 'token');
    writeFileSync(file, 'hf_old');
    chmodSync(file, 0o644);
    storeHfToken('hf_new', env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readStoredHfToken(env)).toBe('hf_new');
  });

  it('treats an empty token file as no token, and prefers the environment', () => {
    const env = { HF_HOME: home() };
    mkdirSync(env.HF_HOME, { recursive: true });
    writeFileSync(path.join(env.HF_HOME, 'token'), '\n');
    expect(readStoredHfToken(env)).toBeUndefined();
    expect(findHfToken(env)).toBeUndefined();
    storeHfToken('hf_file', env);
    expect(findHfToken(env)).toBe('hf_file');
    expect(findHfToken({ ...env, HF_TOKEN: 'hf_env' })).toBe('hf_env');
  });
});
