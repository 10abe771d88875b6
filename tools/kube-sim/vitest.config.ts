import { projectConfig } from '../../vitest.shared.ts';

export default projectConfig('kube-sim', { timeoutMs: 60_000 });
