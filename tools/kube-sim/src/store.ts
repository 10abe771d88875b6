// The in-memory object store: one global resourceVersion, bounded event history, watchers fed synchronously.
import { randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { KubeObject, JsonRecord, ObjectMeta } from './objects.ts';
import { isRecord, isKubeObject } from './objects.ts';
import type { ResourceType } from './resources.ts';
import { apiVersionOf, resourceTypes } from './resources.ts';
import type { Result, Status, StatusCause } from './status.ts';
import { alreadyExists, badRequest, conflict, expired, fail, failure, invalid, notFound, ok } from './status.ts';
import type { FieldRequirement, LabelRequirement } from './selectors.ts';
import { matchesFields, matchesLabels } from './selectors.ts';
import {
  defaultEndpointSlice,
  defaultSecret,
  defaultService,
  forbidden,
  invalidValue,
  required,
  validateConfigMap,
  validateEndpointSlice,
  validateLease,
  validateMetadata,
  validateName,
  validatePod,
  validateSecret,
  validateService,
} from './validation.ts';
import { allocateClusterIP, allocateNodePort, inServiceRange } from './allocation.ts';
import type { Json } from './patch.ts';
import { jsonPatch, mergePatch } from './patch.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceType;
  object: KubeObject;
  /** The object before a MODIFIED, so selector watches can turn it into ADDED or DELETED. */
  previous?: KubeObject;
}

export interface Selection {
  namespace?: string;
  labels?: LabelRequirement[];
  fields?: FieldRequirement[];
}

export interface ListOptions extends Selection {
  limit?: number;
  continueToken?: string;
}

export interface ObjectList {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

export interface WatchOptions extends Selection {
  /** "" or "0": start with ADDED events for the current state. */
  resourceVersion?: string;
  /** Also send the current state first, then a BOOKMARK marking its end (sendInitialEvents=true). */
  sendInitialEvents?: boolean;
}

export interface WriteOptions {
  /** Seeding: keep status, uid and creationTimestamp as given; create or replace. */
  seed?: boolean;
  subresource?: 'status';
  dryRun?: boolean;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

interface Watcher {
  resource: ResourceType;
  selection: Selection;
  send: (event: WatchEvent) => void;
}

export interface ObjectStoreOptions {
  historyLimit?: number;
}

const protectedNamespaces = ['default', 'kube-system', 'kube-public'];
const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function typeKey(type: ResourceType): string {
  return `${apiVersionOf(type)}/${type.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** JSON with object keys sorted, so that two objects equal in content compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** The part of an object that bumps metadata.generation when it changes. */
function specOf(object: KubeObject): string {
  return canonical({ ...object, metadata: undefined, status: undefined });
}

function withoutVersion(object: KubeObject): string {
  return canonical({ ...object, metadata: { ...object.metadata, resourceVersion: undefined } });
}

function defaultStatus(type: ResourceType): JsonRecord | undefined {
  switch (type.kind) {
    case 'Service':
      return { loadBalancer: {} };
    case 'Pod':
      return { phase: 'Pending' };
    case 'Namespace':
      return { phase: 'Active' };
    default:
      return undefined;
  }
}

function matches(selection: Selection, object: KubeObject): boolean {
  if (selection.namespace !== undefined && object.metadata.namespace !== selection.namespace) return false;
  if (selection.labels && !matchesLabels(selection.labels, object.metadata.labels)) return false;
  if (selection.fields && !matchesFields(selection.fields, object)) return false;
  return true;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (isRecord(value) && typeof value.rv === 'number' && typeof value.start === 'string') return { rv: value.rv, start: value.start };
  } catch {
    // fall through: an unreadable token is a bad request
  }
  return undefined;
}

export class ObjectStore {
  #objects = new Map<string, Map<string, KubeObject>>();
  #rv = 0;
  /** ClusterIP → the uid of the Service holding it. */
  readonly #clusterIPHolders = new Map<string, string>();
  /** Events with rv > #compactedRV are in #history; a watch from below it gets 410 Gone. */
  #compactedRV = 0;
  #history: HistoryEntry[] = [];
  #historyLimit: number;
  #watchers = new Set<Watcher>();

  constructor(options: ObjectStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 10_000;
    for (const type of resourceTypes) this.#objects.set(typeKey(type), new Map());
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Drops all history: any watch or continue token from an older resourceVersion now gets 410 Gone. */
  compact(): void {
    this.#history = [];
    this.#compactedRV = this.#rv;
  }

  #bucket(type: ResourceType): Map<string, KubeObject> {
    const bucket = this.#objects.get(typeKey(type));
    if (!bucket) throw new Error(`unknown resource ${typeKey(type)}`);
    return bucket;
  }

  #namespaceExists(namespace: string): boolean {
    const nsType = resourceTypes.find((t) => t.kind === 'Namespace');
    return nsType !== undefined && this.#bucket(nsType).has(objectKey(undefined, namespace));
  }

  #record(entry: Omit<HistoryEntry, 'rv'>, rv: number): void {
    const full: HistoryEntry = { ...entry, rv };
    this.#history.push(full);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped) this.#compactedRV = dropped.rv;
    }
    for (const watcher of [...this.#watchers]) {
      if (watcher.resource === entry.resource) {
        const event = this.#eventFor(watcher.selection, full);
        if (event) watcher.send(event);
      }
    }
  }

  /** What a watcher with this selection sees of a change: an object entering the selection is ADDED, leaving it DELETED. */
  #eventFor(selection: Selection, entry: HistoryEntry): WatchEvent | undefined {
    const now = matches(selection, entry.object);
    if (entry.type !== 'MODIFIED' || !entry.previous) return now ? { type: entry.type, object: clone(entry.object) } : undefined;
    const before = matches(selection, entry.previous);
    if (now && before) return { type: 'MODIFIED', object: clone(entry.object) };
    if (now) return { type: 'ADDED', object: clone(entry.object) };
    if (before) return { type: 'DELETED', object: clone(entry.object) };
    return undefined;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Result<KubeObject> {
    const object = this.#bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
    return object ? ok(clone(object)) : fail(notFound(type.group, type.plural, name));
  }

  #sortedMatching(type: ResourceType, selection: Selection): Array<[string, KubeObject]> {
    return [...this.#bucket(type).entries()].filter(([, object]) => matches(selection, object)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  list(type: ResourceType, options: ListOptions = {}): Result<ObjectList> {
    let start = '';
    let rv = this.#rv;
    if (options.continueToken) {
      const token = decodeContinue(options.continueToken);
      if (!token) return fail(badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'));
      if (token.rv < this.#compactedRV) {
        return fail(
          expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'),
        );
      }
      start = token.start;
      rv = token.rv;
    }
    const all = this.#sortedMatching(type, options).filter(([key]) => key > start);
    const limit = options.limit && options.limit > 0 ? options.limit : all.length;
    const page = all.slice(0, limit);
    const metadata: ObjectList['metadata'] = { resourceVersion: String(rv) };
    if (all.length > page.length) {
      metadata.continue = encodeContinue({ rv, start: page[page.length - 1][0] });
      if (!options.labels?.length && !options.fields?.length) metadata.remainingItemCount = all.length - page.length;
    }
    // Items of a list carry no kind/apiVersion, as the real API server sends them.
    const items = page.map(([, object]) => {
      const item = clone(object);
      delete item.kind;
      delete item.apiVersion;
      return item;
    });
    return ok({ kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items });
  }

  /**
   * Starts a watch: replays what it must (synchronously, so nothing is missed), then feeds live events to send.
   * Returns the function that stops it, or 410 Expired when the resourceVersion is older than the history.
   */
  watch(type: ResourceType, options: WatchOptions, send: (event: WatchEvent) => void): Result<() => void> {
    const selection: Selection = { namespace: options.namespace, labels: options.labels, fields: options.fields };
    const from = options.resourceVersion ?? '';
    const initial = from === '' || from === '0' || options.sendInitialEvents === true;
    if (!initial || (options.sendInitialEvents && from !== '' && from !== '0')) {
      if (!/^\d+$/.test(from)) return fail(badRequest(`resourceVersion: Invalid value: "${from}": must be a non-negative integer`));
    }
    if (initial) {
      for (const [, object] of this.#sortedMatching(type, selection)) send({ type: 'ADDED', object: clone(object) });
      if (options.sendInitialEvents) {
        send({
          type: 'BOOKMARK',
          object: {
            kind: type.kind,
            apiVersion: apiVersionOf(type),
            metadata: { resourceVersion: this.resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } },
          },
        });
      }
    } else {
      const n = Number(from);
      if (n < this.#compactedRV) {
        return fail(expired(`too old resource version: ${n} (${this.#compactedRV + 1})`));
      }
      for (const entry of this.#history) {
        if (entry.rv <= n || entry.resource !== type) continue;
        const event = this.#eventFor(selection, entry);
        if (event) send(event);
      }
    }
    const watcher: Watcher = { resource: type, selection, send };
    this.#watchers.add(watcher);
    return ok(() => {
      this.#watchers.delete(watcher);
    });
  }

  bookmark(type: ResourceType): WatchEvent {
    return { type: 'BOOKMARK', object: { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: this.resourceVersion } } };
  }

  #checkTypeMeta(type: ResourceType, body: KubeObject): Status | undefined {
    const apiVersion = apiVersionOf(type);
    if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== apiVersion) {
      return badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (body.kind !== undefined && body.kind !== '' && body.kind !== type.kind) {
      return badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`);
    }
    return undefined;
  }

  #generateName(type: ResourceType, namespace: string | undefined, prefix: string): string {
    const bucket = this.#bucket(type);
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
      const name = `${prefix.slice(0, 58)}${suffix}`;
      if (!bucket.has(objectKey(namespace, name))) return name;
    }
  }

  create(type: ResourceType, namespace: string | undefined, input: unknown, options: WriteOptions = {}): Result<KubeObject> {
    if (!isKubeObject(input)) return fail(badRequest('the request body must be a JSON object'));
    const body: KubeObject = clone({ ...input, metadata: input.metadata ?? {} });
    const typeError = this.#checkTypeMeta(type, body);
    if (typeError) return fail(typeError);
    const ns = type.namespaced ? (namespace ?? body.metadata.namespace ?? 'default') : undefined;
    if (type.namespaced && body.metadata.namespace && body.metadata.namespace !== ns) {
      return fail(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    let name = body.metadata.name ?? '';
    if (name === '' && typeof body.metadata.generateName === 'string' && body.metadata.generateName !== '') {
      name = this.#generateName(type, ns, body.metadata.generateName);
    }
    if (name === '') return fail(invalid(type.group, type.kind, '', [required('metadata.name', 'name or generateName is required')]));
    const nameCauses = validateName(type, name);
    if (nameCauses.length > 0) return fail(invalid(type.group, type.kind, name, nameCauses));
    if (ns !== undefined && !this.#namespaceExists(ns)) return fail(notFound('', 'namespaces', ns));
    const existing = this.#bucket(type).get(objectKey(ns, name));
    if (existing) {
      if (options.seed) return this.replace(type, ns, name, { ...body, metadata: { ...body.metadata, name, resourceVersion: '' } }, options);
      return fail(alreadyExists(type.group, type.plural, name));
    }
    const metadata: ObjectMeta = { ...body.metadata, name, uid: randomUUID(), creationTimestamp: now(), generation: 1 };
    if (options.seed && typeof body.metadata.uid === 'string' && body.metadata.uid !== '') metadata.uid = body.metadata.uid;
    if (options.seed && typeof body.metadata.creationTimestamp === 'string') metadata.creationTimestamp = body.metadata.creationTimestamp;
    if (ns === undefined) delete metadata.namespace;
    else metadata.namespace = ns;
    delete metadata.resourceVersion;
    delete metadata.deletionTimestamp;
    const object: KubeObject = Object.assign({ apiVersion: apiVersionOf(type), kind: type.kind }, body, {
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata,
    });
    if (!options.seed && type.subresources.includes('status')) delete object.status;
    const prepared = this.#prepare(type, object, undefined);
    if (!prepared.ok) return prepared;
    return this.#commit(type, prepared.value, undefined, options.dryRun === true);
  }

  replace(type: ResourceType, namespace: string | undefined, name: string, input: unknown, options: WriteOptions = {}): Result<KubeObject> {
    if (!isKubeObject(input)) return fail(badRequest('the request body must be a JSON object'));
    const body: KubeObject = clone({ ...input, metadata: input.metadata ?? {} });
    const typeError = this.#checkTypeMeta(type, body);
    if (typeError) return fail(typeError);
    const ns = type.namespaced ? namespace : undefined;
    if (body.metadata.name !== undefined && body.metadata.name !== name) {
      return fail(badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`));
    }
    if (type.namespaced && body.metadata.namespace && body.metadata.namespace !== ns) {
      return fail(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    const old = this.#bucket(type).get(objectKey(ns, name));
    if (!old) return fail(notFound(type.group, type.plural, name));
    const rv = body.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      return fail(conflict(type.group, type.plural, name, 'the object has been modified; please apply your changes to the latest version and try again'));
    }
    if (body.metadata.uid !== undefined && body.metadata.uid !== '' && body.metadata.uid !== old.metadata.uid && !options.seed) {
      return fail(
        conflict(
          type.group,
          type.plural,
          name,
          `Precondition failed: UID in precondition: ${String(body.metadata.uid)}, UID in object meta: ${String(old.metadata.uid)}`,
        ),
      );
    }
    let object: KubeObject;
    if (options.subresource === 'status') {
      // A status write changes status alone.
      object = { ...clone(old), status: body.status };
    } else {
      const metadata = {
        ...body.metadata,
        name,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        generation: old.metadata.generation,
      };
      if (options.seed && typeof body.metadata.uid === 'string' && body.metadata.uid !== '') metadata.uid = body.metadata.uid;
      if (options.seed && typeof body.metadata.creationTimestamp === 'string') metadata.creationTimestamp = body.metadata.creationTimestamp;
      if (ns === undefined) delete metadata.namespace;
      else metadata.namespace = ns;
      object = Object.assign({ apiVersion: apiVersionOf(type), kind: type.kind }, body, { apiVersion: apiVersionOf(type), kind: type.kind, metadata });
      if (!options.seed && type.subresources.includes('status')) {
        if (old.status === undefined) delete object.status;
        else object.status = clone(old.status);
      }
    }
    const prepared = this.#prepare(type, object, old);
    if (!prepared.ok) return prepared;
    const next = prepared.value;
    if (specOf(next) !== specOf(old)) next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    // A write that changes nothing is not a change: no new resourceVersion, no event.
    if (withoutVersion(next) === withoutVersion(old)) return ok(clone(old));
    return this.#commit(type, next, old, options.dryRun === true);
  }

  patch(type: ResourceType, namespace: string | undefined, name: string, contentType: string, patch: unknown, options: WriteOptions = {}): Result<KubeObject> {
    const current = this.get(type, namespace, name);
    if (!current.ok) return current;
    let patched: Json;
    if (contentType === 'application/json-patch+json') {
      const result = jsonPatch(current.value as unknown as Json, patch as Json);
      if (!result.ok) return fail(failure(422, 'Invalid', result.message));
      patched = result.value;
    } else if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
      if (!isRecord(patch)) return fail(badRequest('a merge patch must be a JSON object'));
      patched = mergePatch(current.value as unknown as Json, patch as Json);
    } else {
      return fail(
        failure(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
        ),
      );
    }
    return this.replace(type, namespace, name, patched, options);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): Result<KubeObject> {
    const ns = type.namespaced ? namespace : undefined;
    const old = this.#bucket(type).get(objectKey(ns, name));
    if (!old) return fail(notFound(type.group, type.plural, name));
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      return fail(
        conflict(type.group, type.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(old.metadata.uid)}`),
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      return fail(
        conflict(
          type.group,
          type.plural,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(old.metadata.resourceVersion)}`,
        ),
      );
    }
    if (type.kind === 'Namespace' && protectedNamespaces.includes(name)) {
      return fail(failure(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' }));
    }
    if (options.dryRun) return ok(clone(old));
    if (type.kind === 'Namespace') {
      // The real API server empties a namespace through its finalizer before it disappears; here at once.
      for (const t of resourceTypes) {
        if (!t.namespaced) continue;
        for (const object of [...this.#bucket(t).values()]) {
          if (object.metadata.namespace === name) this.#remove(t, object);
        }
      }
    }
    return ok(clone(this.#remove(type, old)));
  }

  #remove(type: ResourceType, old: KubeObject): KubeObject {
    this.#bucket(type).delete(objectKey(old.metadata.namespace, old.metadata.name ?? ''));
    if (type.kind === 'Service') this.#indexClusterIPs(old, undefined);
    const rv = ++this.#rv;
    const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.#record({ type: 'DELETED', resource: type, object: gone }, rv);
    return gone;
  }

  #commit(type: ResourceType, object: KubeObject, old: KubeObject | undefined, dryRun: boolean): Result<KubeObject> {
    if (dryRun) return ok(clone(object));
    const rv = ++this.#rv;
    object.metadata.resourceVersion = String(rv);
    this.#bucket(type).set(objectKey(object.metadata.namespace, object.metadata.name ?? ''), object);
    if (type.kind === 'Service') this.#indexClusterIPs(old, object);
    this.#record(old ? { type: 'MODIFIED', resource: type, object, previous: old } : { type: 'ADDED', resource: type, object }, rv);
    return ok(clone(object));
  }

  /** Defaulting, allocation and validation of one kind; returns the object to store or 422 Invalid. */
  #prepare(type: ResourceType, object: KubeObject, old: KubeObject | undefined): Result<KubeObject> {
    const name = object.metadata.name ?? '';
    const causes: StatusCause[] = validateMetadata(object);
    if (object.status === undefined && old === undefined) {
      const status = defaultStatus(type);
      if (status) object.status = status;
    }
    switch (type.kind) {
      case 'Namespace': {
        object.metadata.labels = { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
        object.spec = isRecord(object.spec) ? object.spec : {};
        (object.spec as JsonRecord).finalizers ??= ['kubernetes'];
        break;
      }
      case 'Service': {
        if (!isRecord(object.spec)) object.spec = {};
        const spec = object.spec as JsonRecord;
        defaultService(spec);
        causes.push(...validateService(spec));
        if (causes.length === 0) causes.push(...this.#allocateService(spec, old));
        break;
      }
      case 'Pod':
        if (!isRecord(object.spec)) object.spec = {};
        causes.push(...validatePod(object.spec as JsonRecord));
        break;
      case 'ConfigMap':
        causes.push(...validateConfigMap(object));
        break;
      case 'Secret':
        defaultSecret(object);
        causes.push(...validateSecret(object));
        break;
      case 'EndpointSlice':
        defaultEndpointSlice(object);
        causes.push(...validateEndpointSlice(object));
        break;
      case 'Lease':
        if (!isRecord(object.spec)) object.spec = {};
        causes.push(...validateLease(object.spec as JsonRecord));
        break;
    }
    if (causes.length > 0) return fail(invalid(type.group, type.kind, name, causes));
    return ok(object);
  }

  /** The ClusterIPs taken, but for those of `except` (the Service being replaced). */
  #usedClusterIPs(except: KubeObject | undefined): { has(ip: string): boolean } {
    return {
      has: (ip) => {
        const holder = this.#clusterIPHolders.get(ip);
        return holder !== undefined && holder !== except?.metadata.uid;
      },
    };
  }

  // An index of the ClusterIPs taken, so that creating the 10 000th Service does not scan the other 9 999.
  #indexClusterIPs(old: KubeObject | undefined, next: KubeObject | undefined): void {
    if (old) for (const ip of recordIPs(old.spec)) if (this.#clusterIPHolders.get(ip) === old.metadata.uid) this.#clusterIPHolders.delete(ip);
    if (next) for (const ip of recordIPs(next.spec)) this.#clusterIPHolders.set(ip, next.metadata.uid ?? '');
  }

  #usedNodePorts(except: KubeObject | undefined): Set<number> {
    const used = new Set<number>();
    const services = resourceTypes.find((t) => t.kind === 'Service');
    if (!services) return used;
    for (const service of this.#bucket(services).values()) {
      if (except && service.metadata.uid === except.metadata.uid) continue;
      const ports = isRecord(service.spec) && Array.isArray(service.spec.ports) ? service.spec.ports : [];
      for (const port of ports) if (isRecord(port) && typeof port.nodePort === 'number') used.add(port.nodePort);
    }
    return used;
  }

  /** ClusterIPs, IP families and NodePorts: kept from the old object when the new one leaves them empty, allocated when new. */
  #allocateService(spec: JsonRecord, old: KubeObject | undefined): StatusCause[] {
    const oldSpec: JsonRecord = old && isRecord(old.spec) ? old.spec : {};
    const causes: StatusCause[] = [];
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
      return causes;
    }
    const oldIP = typeof oldSpec.clusterIP === 'string' ? oldSpec.clusterIP : '';
    let clusterIP = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
    if (clusterIP === '' && Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string') clusterIP = spec.clusterIPs[0];
    if (clusterIP === '' && oldIP !== '') {
      clusterIP = oldIP;
      spec.clusterIPs ??= oldSpec.clusterIPs;
      spec.ipFamilies ??= oldSpec.ipFamilies;
      spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
    }
    if (old && oldIP !== '' && clusterIP !== oldIP) {
      causes.push(invalidValue('spec.clusterIPs[0]', clusterIP, 'may not change once set'));
      return causes;
    }
    // As the real API server on a dual-stack cluster: a headless Service without a selector (its
    // endpoints written by hand, of any family) is dual-stack unless it says otherwise.
    const selectorless = !isRecord(spec.selector) || Object.keys(spec.selector).length === 0;
    const defaultPolicy = clusterIP === 'None' && selectorless ? 'RequireDualStack' : 'SingleStack';
    const policy = typeof spec.ipFamilyPolicy === 'string' ? spec.ipFamilyPolicy : defaultPolicy;
    const policies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
    if (!policies.includes(policy)) {
      causes.push({
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: "${policy}": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"`,
        field: 'spec.ipFamilyPolicy',
      });
      return causes;
    }
    spec.ipFamilyPolicy = policy;
    const given = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.filter((ip): ip is string => typeof ip === 'string') : [];
    if (given.length === 0 && clusterIP !== '') given.push(clusterIP);
    let families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies.filter((f): f is 'IPv4' | 'IPv6' => f === 'IPv4' || f === 'IPv6') : [];
    if (families.length === 0) {
      families = given.filter((ip) => ip !== 'None').map((ip) => (isIPv4(ip) ? 'IPv4' : 'IPv6'));
      if (families.length === 0) families = ['IPv4'];
    }
    if (policy !== 'SingleStack' && families.length === 1) families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    if (policy === 'SingleStack' && families.length > 1) {
      causes.push(invalidValue('spec.ipFamilies', families, 'when spec.ipFamilyPolicy is SingleStack only one family may be given'));
      return causes;
    }
    spec.ipFamilies = families;
    if (clusterIP === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
    } else {
      const used = this.#usedClusterIPs(old);
      const ips: string[] = [];
      for (let i = 0; i < families.length; i++) {
        const ip = given[i];
        if (ip !== undefined) {
          if (!inServiceRange(ip)) {
            causes.push(
              invalidValue(
                `spec.clusterIPs[${i}]`,
                ip,
                `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${families[i] === 'IPv4' ? '10.96.0.0/12' : 'fd00:10:96::/112'}`,
              ),
            );
          } else if (used.has(ip)) {
            causes.push(invalidValue(`spec.clusterIPs[${i}]`, ip, `failed to allocate IP ${ip}: provided IP is already allocated`));
          } else ips.push(ip);
        } else {
          const allocated = allocateClusterIP(families[i], used);
          if (!allocated) causes.push(forbidden('spec.clusterIPs', `failed to allocate an IP of family ${families[i]}: range is full`));
          else ips.push(allocated);
        }
      }
      spec.clusterIP = ips[0];
      spec.clusterIPs = ips;
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const used = this.#usedNodePorts(old);
      const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isRecord) : [];
      for (const port of Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : []) {
        if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
          if (used.has(port.nodePort)) causes.push(invalidValue('spec.ports.nodePort', port.nodePort, 'provided port is already allocated'));
          used.add(port.nodePort);
          continue;
        }
        const previous = oldPorts.find((p) => p.port === port.port && p.protocol === port.protocol && typeof p.nodePort === 'number');
        const nodePort = previous ? (previous.nodePort as number) : allocateNodePort(used);
        if (nodePort !== undefined) {
          port.nodePort = nodePort;
          used.add(nodePort);
        }
      }
    }
    return causes;
  }
}

function recordIPs(spec: unknown): string[] {
  if (!isRecord(spec)) return [];
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP];
  return ips.filter((ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None');
}
