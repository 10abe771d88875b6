import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('bus', { timeoutMs: 60_000 });
