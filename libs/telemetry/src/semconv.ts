// Attribute and span names used across Halo DNS, in one place so that every service spells them alike.
// The DNS semantic conventions define only dns.question.name and dns.answers; the rest is ours (halo.*)
// or comes from the messaging conventions (NATS has no instrumentation, we make its spans by hand).

export const ATTR_DNS_QUESTION_NAME = 'dns.question.name';
export const ATTR_DNS_ANSWERS = 'dns.answers';
export const ATTR_DNS_QUESTION_TYPE = 'halo.dns.question.type';
export const ATTR_DNS_RCODE = 'halo.dns.rcode';
export const ATTR_DNS_TRANSPORT = 'halo.dns.transport';
export const ATTR_DNS_CACHE_HIT = 'halo.dns.cache.hit';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const MESSAGING_SYSTEM_NATS = 'nats';

export const ATTR_ZONE_KEY = 'halo.zone.key';
export const ATTR_ZONE_REVISION = 'halo.zone.revision';
export const ATTR_ZONE_NAMES = 'halo.zone.names';
export const ATTR_CONFIG_VERSION = 'halo.config.version';

export const ATTR_K8S_NAMESPACE_NAME = 'k8s.namespace.name';
export const ATTR_K8S_SERVICE_NAME = 'k8s.service.name';
export const ATTR_K8S_EVENT_TYPE = 'halo.k8s.event.type';

export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
