import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from '@ml-intern/testing';
import { afterAll, beforeEach } from 'vitest';
import { REPOSITORIES, TOKEN } from './github-repositories.js';

/**
 * Start a fake GitHub serving the fixture repositories to {@link TOKEN} for one test file: closed
 * after the file's tests, its rate limit and recorded requests reset before each test. Await it at
 * the top level of the test file.
 */
export async function startFixtureGitHub(options: Omit<FakeGitHubOptions, 'repositories' | 'token'> = {}): Promise<FakeGitHub> {
  const github = await startFakeGitHub({ repositories: REPOSITORIES, token: TOKEN, ...options });
  afterAll(async () => {
    await github.close();
  });
  beforeEach(() => {
    github.setRateLimit(undefined);
    github.requests.length = 0;
  });
  return github;
}
