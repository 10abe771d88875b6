import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('answerer', { timeoutMs: 90_000 });
