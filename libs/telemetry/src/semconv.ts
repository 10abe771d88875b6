// Attribute and span names used across Halo DNS, in one place so that every service spells them alike.
// From OpenTelemetry's semantic conventions (1.45, mostly still experimental, so copied here rather than
// imported): messaging (NATS has no instrumentation: its spans are made by hand), DNS (which defines only
// dns.question.name and dns.answers), HTTP server, network and Kubernetes resources. The rest is ours (halo.*).

// Messaging: a span per message sent (PRODUCER, `send <destination>`) and per message processed
// (CONSUMER, `process <destination>`), the consumer's parent taken from the message.
export const ATTR_MESSAGING_SYSTEM = 'messaging.system.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_CLIENT_ID = 'messaging.client.id';
export const MESSAGING_SYSTEM_NATS = 'nats';
export const MESSAGING_OPERATION_SEND = 'send';
export const MESSAGING_OPERATION_PROCESS = 'process';
/** The span name the messaging conventions give: `{operation} {destination}`. */
export const messagingSpanName = (operation: 'send' | 'process', destination: string): string => `${operation} ${destination}`;

// DNS.
export const ATTR_DNS_QUESTION_NAME = 'dns.question.name';
export const ATTR_DNS_ANSWERS = 'dns.answers';
export const ATTR_DNS_QUESTION_TYPE = 'halo.dns.question.type';
export const ATTR_DNS_RCODE = 'halo.dns.rcode';
/** What answered: `fast` (a pre-encoded answer), `cache` (a cache plugin's hit), or the plugin that ended the chain. */
export const ATTR_DNS_ANSWERED_BY = 'halo.dns.answered_by';
/** Per-query spans are named `DNS <qtype>` (low cardinality, like HTTP's `<method>`). */
export const dnsQuerySpanName = (qtype: string): string => `DNS ${qtype}`;

// Network and HTTP.
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_CLIENT_PORT = 'client.port';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_ERROR_TYPE = 'error.type';

// The zone on the bus.
export const ATTR_ZONE_KEY = 'halo.zone.key';
export const ATTR_ZONE_REVISION = 'halo.zone.revision';
/** How many DNS names a change touched. */
export const ATTR_ZONE_NAMES = 'halo.zone.names';
/** The change's source time (ISO 8601): see docs/observability.md, DNS programming latency. */
export const ATTR_ZONE_TRIGGER_TIME = 'halo.zone.trigger_time';
/** Cache entries a node cache dropped for a change. */
export const ATTR_CACHE_DROPPED = 'halo.cache.dropped';

// The config on the bus.
export const ATTR_CONFIG_TARGET = 'halo.config.target';
export const ATTR_CONFIG_VERSION = 'halo.config.version';
export const ATTR_CONFIG_FRAGMENT = 'halo.config.fragment';
export const ATTR_CONFIG_ERRORS = 'halo.config.errors';

// Kubernetes.
export const ATTR_K8S_NAMESPACE_NAME = 'k8s.namespace.name';
export const ATTR_K8S_SERVICE_NAME = 'k8s.service.name';
export const ATTR_K8S_POD_NAME = 'k8s.pod.name';
export const ATTR_K8S_NODE_NAME = 'k8s.node.name';

// Resource.
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
