/** An error from @halo/kube: a code to branch on, a message for people, the HTTP status when there was one. */
export class KubeError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KubeError';
    this.code = code;
    this.status = options.status;
  }
}

/** The HTTP status of a KubeError, an ApiException (client-node puts it in `.code`) or a watch error (`.statusCode`). */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof KubeError) return error.status;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

/** The `message` of a Kubernetes `Status` body (as text or parsed), e.g. why RBAC said no. */
export function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const message = typeof value === 'object' && value !== null ? (value as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = httpStatusOf(error);
    // ApiException messages carry the whole response body; the API server's own words are enough for a
    // log (`… is forbidden: User … cannot list …`), else the first line.
    const first = error.message.split('\n')[0] ?? error.message;
    return status ? `HTTP ${status}: ${statusMessage((error as { body?: unknown }).body) ?? first}` : first;
  }
  return String(error);
}
