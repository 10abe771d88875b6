import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('watcher', { timeoutMs: 90_000 });
