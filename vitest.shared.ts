// One vitest configuration for every project: each project's vitest.config.ts calls this with its name.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export function projectConfig(name: string, options: { timeoutMs?: number } = {}) {
  return defineConfig({
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.timeoutMs ?? 30_000,
      hookTimeout: options.timeoutMs ?? 30_000,
      pool: 'forks',
      // Integration tests start real servers on free ports; files of one project run one at a time.
      fileParallelism: false,
      reporters: ['default', ['json', { outputFile: `${root}tmp/test-results/${name}.json` }]],
    },
  });
}
