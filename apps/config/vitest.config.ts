import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('config', { timeoutMs: 90_000 });
