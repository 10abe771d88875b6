/** Why the control plane could not do what was asked: a code to branch on, a message that says what to do. */
export class ControlPlaneError extends Error {
  readonly code: 'not-built' | 'start-failed' | 'kubectl-failed' | 'etcd-failed';
  constructor(code: ControlPlaneError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ControlPlaneError';
    this.code = code;
  }
}
