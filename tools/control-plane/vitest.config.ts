import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('control-plane', { timeoutMs: 60_000 });
