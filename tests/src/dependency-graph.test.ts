import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Which workspace packages each package may import (ARCHITECTURE.md, "Dependency direction"). */
const ALLOWED: Record<string, string[]> = {
  events: [],
  context: ['events'],
  core: ['events', 'context'],
  'provider-anthropic': ['core'],
  'provider-openai': ['core'],
  'tools-hf': ['core'],
  'tools-github': ['core'],
  'tools-web': ['core'],
  'tools-mcp': ['core'],
  sandbox: ['core'],
  gateways: ['core', 'events'],
  server: ['core', 'events', 'context'],
  testing: ['core', 'events'],
};

function manifest(dir: string): { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; peerDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sources(full));
    else if (/\.(ts|mts)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !full.includes('__fixtures__')) files.push(full);
  }
  return files;
}

describe('dependency direction', () => {
  const packages = readdirSync(path.join(root, 'packages')).filter((name) => existsSync(path.join(root, 'packages', name, 'package.json')));

  it('knows every package', () => {
    expect(packages.sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it.each(packages)('%s declares only allowed workspace dependencies', (name) => {
    const pkg = manifest(path.join(root, 'packages', name));
    const runtime = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })
      .filter((dep) => dep.startsWith('@ml-intern/'))
      .map((dep) => dep.slice('@ml-intern/'.length));
    for (const dep of runtime) expect(ALLOWED[name], `${name} must not depend on ${dep}`).toContain(dep);
    const dev = Object.keys(pkg.devDependencies ?? {}).filter((dep) => dep.startsWith('@ml-intern/')).map((dep) => dep.slice('@ml-intern/'.length));
    // Tests may use the fakes in @ml-intern/testing; nothing else may sneak in through devDependencies.
    for (const dep of dev) expect([...(ALLOWED[name] ?? []), 'testing'], `${name} devDependency ${dep}`).toContain(dep);
  });

  it.each(packages)('%s source imports only its allowed packages, through public entry points', (name) => {
    const allowed = new Set(ALLOWED[name]);
    for (const file of sources(path.join(root, 'packages', name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from\s+['"]@ml-intern\/([a-z-]+)(\/[^'"]*)?['"]/g)) {
        const [, dep, subpath] = match;
        expect(allowed.has(dep as string), `${path.relative(root, file)} imports @ml-intern/${dep}`).toBe(true);
        expect(subpath === undefined || subpath === '/testing', `${path.relative(root, file)} deep-imports @ml-intern/${dep}${subpath}`).toBe(true);
      }
    }
  });

  it('apps import only public entry points', () => {
    for (const app of ['cli', 'headless']) {
      for (const file of sources(path.join(root, 'apps', app, 'src'))) {
        const text = readFileSync(file, 'utf8');
        expect(text, path.relative(root, file)).not.toMatch(/from\s+['"]@ml-intern\/[a-z-]+\/src/);
        expect(text, path.relative(root, file)).not.toMatch(/from\s+['"]\.\.\/\.\.\/\.\.\/packages\//);
      }
    }
  });
});
