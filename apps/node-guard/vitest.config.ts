import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('node-guard', { timeoutMs: 60_000 });
