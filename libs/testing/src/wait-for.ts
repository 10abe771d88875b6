import { setTimeout as delay } from 'node:timers/promises';
import { TestingError } from './errors.ts';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

type Falsy = undefined | null | false;

/**
 * Polls `fn` until it returns a truthy value and resolves with it. A throw counts as "not yet";
 * the last one is reported if time runs out.
 */
export async function waitFor<T>(fn: () => T | Falsy | Promise<T | Falsy>, options: WaitForOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new TestingError('timeout', `${options.message ?? 'condition not met'} within ${timeoutMs} ms${reason}`, {
        cause: lastError,
      });
    }
    await delay(intervalMs);
  }
}
