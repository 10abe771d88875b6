// Kubernetes `Status` bodies: how the API server reports every failure (and some successes).

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A result of a store operation: the value, or the Status the API server would answer with. */
export type Result<T> = { ok: true; value: T } | { ok: false; status: Status };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return status;
}

export function fail<T>(status: Status): Result<T> {
  return { ok: false, status };
}

function groupDetails(group: string, plural: string, name: string): StatusDetails {
  return group ? { name, group, kind: plural } : { name, kind: plural };
}

function qualified(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(group: string, plural: string, name: string): Status {
  return failure(404, 'NotFound', `${qualified(group, plural)} "${name}" not found`, groupDetails(group, plural, name));
}

export function alreadyExists(group: string, plural: string, name: string): Status {
  return failure(409, 'AlreadyExists', `${qualified(group, plural)} "${name}" already exists`, groupDetails(group, plural, name));
}

export function conflict(group: string, plural: string, name: string, why: string): Status {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": ${why}`, groupDetails(group, plural, name));
}

export function badRequest(message: string): Status {
  return failure(400, 'BadRequest', message);
}

export function expired(message: string): Status {
  return failure(410, 'Expired', message);
}

/** 422 Invalid, with one cause per field error, worded as the API server words them. */
export function invalid(group: string, kind: string, name: string, causes: StatusCause[]): Status {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const details: StatusDetails = group ? { name, group, kind, causes } : { name, kind, causes };
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, details);
}

export function success(group: string, plural: string, name: string, uid: string): Status {
  const details: StatusDetails = group ? { name, group, kind: plural, uid } : { name, kind: plural, uid };
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
