import { describe, expect, it } from 'vitest';
import { spawnProcess } from './process.ts';

describe('spawnProcess', () => {
  it('runs node and waits for a ready line', async () => {
    const child = await spawnProcess('node', ['-e', 'console.log(process.version); console.log("ready"); setInterval(() => {}, 1000)'], {
      readyLine: /^ready$/,
    });
    expect(child.lines[0]).toMatch(/^v24\./);
    expect(await child.kill()).toBeNull();
  });

  it('reports the exit code and fails waiting for a line that never comes', async () => {
    const child = await spawnProcess('node', ['-e', 'console.error("bye"); process.exit(3)']);
    expect(await child.exited).toBe(3);
    await expect(child.waitForLine(/never/, 1000)).rejects.toMatchObject({ code: 'exited' });
  });
});
