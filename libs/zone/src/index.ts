export type {
  Endpoint,
  NamespaceRecordSet,
  PodRecordSet,
  Question,
  RecordSet,
  ServicePort,
  ServiceRecordSet,
  ZoneAnswer,
  ZoneError,
  ZoneOptions,
} from './types.ts';
export { defaultZoneOptions, isZoneError } from './types.ts';
export { namespaceRecordSet, podRecordSet, recordSetsEqual, serviceNameLabel, serviceRecordSet, tolerateUnreadyAnnotation } from './record-set.ts';
export { compactRecordSet } from './compact.ts';
export { namesOf, namesTouched } from './names-of.ts';
export { validateZoneOptions } from './options.ts';
export type { LabelRequirement, LabelSelector } from './labels.ts';
export { reverseName } from './names.ts';
export type { AnswerOptions } from './zone-index.ts';
export { ZoneIndex, dnsSchemaVersion } from './zone-index.ts';
