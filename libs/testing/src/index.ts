export { TestingError } from './errors.ts';
export { freePort } from './ports.ts';
export { waitFor } from './wait-for.ts';
export type { WaitForOptions } from './wait-for.ts';
export { spawnProcess, nodeBinary } from './process.ts';
export type { ChildHandle, SpawnOptions } from './process.ts';
export { isExecutable, referencePath } from './binaries.ts';
export { startNatsServer, startNatsCluster, findNatsServer } from './nats-server.ts';
export type { NatsServer, NatsServerOptions, NatsCluster, NatsClusterOptions } from './nats-server.ts';
export { startJaeger, findJaeger, referenceJaegerPath, jaegerMissingMessage, JAEGER_VERSION } from './jaeger.ts';
export type { Jaeger, JaegerOptions } from './jaeger.ts';
export { query, exchange, exchangeWire, pipelineTcp, encodeQuery, resolver } from './dns-client.ts';
export type { QueryOptions, DnsServerAddress, DnsResponse } from './dns-client.ts';
export { reply, startTestUpstream } from './dns-upstream.ts';
export type { Reply, TestUpstream } from './dns-upstream.ts';
// kube-sim: a Kubernetes API server double (tools/kube-sim), re-exported so tests need one import.
export { startKubeSim } from '@halo/kube-sim';
export type { KubeSim, KubeSimOptions } from '@halo/kube-sim';
