// Versioned schemas of KV `halo-config` and KV `halo-status`.
import { decodeMessage, type TraceFields } from '../message.ts';
import { effectiveConfigV1, fragmentV1, instanceStatusV1 } from '../validators.generated.js';

export type ConfigTarget = 'answerer' | 'node-cache';
export const configTargets: readonly ConfigTarget[] = ['answerer', 'node-cache'];

export interface FragmentSource {
  kind: 'api' | 'configmap';
  /** For a ConfigMap: `namespace/name` and the data key. */
  configMap?: string;
  key?: string;
}

/** One version of one fragment: `fragment.<name>` holds the current one, `history.<name>.<version>` every one. */
export interface FragmentV1 {
  schema: 1;
  name: string;
  text: string;
  targets: ConfigTarget[];
  source: FragmentSource;
  version: number;
  author: string;
  changedAt: string;
  /** What this version did: put, delete or rollback (to `rolledBackTo`). */
  change: 'put' | 'delete' | 'rollback';
  rolledBackTo?: number;
  deleted: boolean;
}

/** What the instances of one target run: `effective.<target>`. */
export interface EffectiveConfigV1 {
  schema: 1;
  target: ConfigTarget;
  /** Increases with every change of what this target runs. */
  version: number;
  /** The fragments' server blocks, appended to each instance's own Corefile. */
  corefile: string;
  fragments: { name: string; version: number }[];
  changedAt: string;
  /** The config service's trace of the change, so that each instance's apply joins it (a KV put has no headers). */
  trace?: TraceFields;
}

/** An instance's DNS programming latency (docs/observability.md) over its latest changes. */
export interface ProgrammingLatencyV1 {
  /** Changes observed since the instance started. */
  count: number;
  p50Seconds: number;
  p99Seconds: number;
}

/** What one instance runs: KV `halo-status`, key `<target>.<instance>`. */
export interface InstanceStatusV1 {
  schema: 1;
  target: ConfigTarget;
  instance: string;
  /** The effective config version it runs (0: its own Corefile only). */
  version: number;
  appliedAt: string;
  /** The error that kept it on its last good config, if the newest one failed. */
  error: string | null;
  errorVersion: number | null;
  heartbeatAt: string;
  /** Absent until the instance has seen a zone change (and from instances that do not measure it). */
  programmingLatency?: ProgrammingLatencyV1;
}

const encoder = new TextEncoder();

export const decodeFragment = (bytes: Uint8Array) => decodeMessage<FragmentV1>(bytes, 'fragment', { 1: fragmentV1 });
export const decodeEffectiveConfig = (bytes: Uint8Array) => decodeMessage<EffectiveConfigV1>(bytes, 'effective config', { 1: effectiveConfigV1 });
export const decodeInstanceStatus = (bytes: Uint8Array) => decodeMessage<InstanceStatusV1>(bytes, 'instance status', { 1: instanceStatusV1 });
export const encodeJson = (value: FragmentV1 | EffectiveConfigV1 | InstanceStatusV1): Uint8Array => encoder.encode(JSON.stringify(value));
