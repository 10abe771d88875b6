import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('server', { timeoutMs: 60_000 });
