import { projectConfig } from '../vitest.shared.ts';

export default projectConfig('deploy', { timeoutMs: 60_000 });
