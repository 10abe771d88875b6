import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('node-cache', { timeoutMs: 120_000 });
