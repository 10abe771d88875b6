import { projectConfig } from '../../vitest.shared.ts';

// The first build on a machine makes the Debian bases and installs the dependencies: minutes.
export default projectConfig('image', { timeoutMs: 180_000 });
