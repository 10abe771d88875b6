import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('stack', { timeoutMs: 120_000 });
