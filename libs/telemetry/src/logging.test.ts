import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { spawnProcess } from '@halo/testing';
import { logLevelFromEnv } from './logging.ts';

describe('logLevelFromEnv', () => {
  it.each([
    { LOG_LEVEL: undefined, level: 'info' },
    { LOG_LEVEL: 'debug', level: 'debug' },
    { LOG_LEVEL: ' WARN ', level: 'warn' },
    { LOG_LEVEL: 'loud', level: 'info' },
  ])('LOG_LEVEL=$LOG_LEVEL → $level', ({ LOG_LEVEL, level }) => {
    expect(logLevelFromEnv(LOG_LEVEL === undefined ? {} : { LOG_LEVEL })).toBe(level);
  });
});

describe('createLogger', () => {
  it('writes JSON lines to stdout at the level LOG_LEVEL says', async () => {
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(index)};
const log = createLogger('watcher', { zone: 'cluster.local' });
log.debug('hidden');
log.warn({ key: 'svc.shop.web' }, 'shown');`;
    const child = await spawnProcess('node', ['--input-type=module', '-e', script], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    expect(await child.exited).toBe(0);
    const records = child.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 40, name: 'watcher', zone: 'cluster.local', key: 'svc.shop.web', msg: 'shown' });
  });
});
