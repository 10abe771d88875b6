import { describe, it, expect } from 'vitest';
import { x } from './index.ts';
describe('x', () => { it('is 1', () => { expect(x).toBe(1); }); });
