import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeHub, type FakeHub, type FakeHubOptions } from '@ml-intern/testing';
import type { HfToolsBundleOptions } from '../hf-tools.js';

/** A fake Hub plus tool options pointing every endpoint at it (tests only). */
export interface TestHub {
  hub: FakeHub;
  options: HfToolsBundleOptions;
  cacheDir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTestHub(fakeOptions: FakeHubOptions = {}, toolOptions: HfToolsBundleOptions = {}): Promise<TestHub> {
  const hub = await startFakeHub(fakeOptions);
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'ml-intern-hf-cache-'));
  return {
    hub,
    cacheDir,
    options: {
      hubUrl: hub.hubUrl,
      datasetsServerUrl: hub.datasetsServerUrl,
      arxivUrl: hub.arxivUrl,
      token: hub.token,
      cacheDir,
      retry: { attempts: 3, baseDelayMs: 1 },
      logIdleMs: 100,
      ...toolOptions,
    },
    [Symbol.asyncDispose]: async () => {
      try {
        await hub.close();
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    },
  };
}

/** Requests the fake received whose path matches. */
export function requestsTo(hub: FakeHub, pattern: RegExp): FakeHub['requests'] {
  return hub.requests.filter((request) => pattern.test(request.path));
}
