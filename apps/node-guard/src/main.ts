#!/usr/bin/env node
// The node guard: asks the node cache several times a second; takes the interception rules away while it
// does not answer (queries to the Service IP then reach the pool through kube-proxy), puts them back after.
// First: re-executes with the guard's V8 flags before anything else loads.
import './with-v8-flags.ts';
import { Counter, Gauge } from 'prom-client';
import { configOrExit, onStop } from '@halo/cli';
import { createInterception, detectBackend, guardExit, probe } from '@halo/interception';
import { createLogger, createMetricsRegistry, startAdminServer } from '@halo/telemetry';
import { readConfig } from './config.ts';
import { startGuard } from './guard.ts';

const config = configOrExit(readConfig(process.argv.slice(2), process.env));
const logger = createLogger('node-guard');
const registry = createMetricsRegistry();
const intercepting = new Gauge({
  name: 'halo_node_guard_intercepting',
  help: '1 while the interception rules are in place, 0 while removed.',
  registers: [registry],
});
const switches = new Counter({
  name: 'halo_node_guard_switches_total',
  help: 'Interception switches by action and result.',
  labelNames: ['action', 'result'],
  registers: [registry],
});
const probes = new Counter({
  name: 'halo_node_guard_probes_total',
  help: 'Probes of the node cache by result.',
  labelNames: ['result'],
  registers: [registry],
});

const backend = config.iptables === 'auto' ? await detectBackend() : config.iptables;
const interception = createInterception({ interfaceName: config.interfaceName, addresses: config.addresses, port: config.port }, { backend });
const guard = startGuard({
  target: config.target,
  intervalMs: config.intervalMs,
  timeoutMs: config.timeoutMs,
  thresholds: { failures: config.failures, successes: config.successes },
  interception,
  onProbe: (result) => probes.inc({ result: result.answered ? 'answered' : result.reason }),
  onSwitch: (action, outcome, last) => {
    switches.inc({ action, result: outcome.ok ? 'ok' : 'error' });
    if (outcome.ok) intercepting.set(action === 'add-rules' ? 1 : 0);
    const fields = { action, probe: last, error: outcome.message };
    if (!outcome.ok) logger.error(fields, 'cannot switch the interception');
    else if (action === 'remove-rules') logger.warn(fields, 'the node cache does not answer: interception removed');
    else logger.info(fields, 'the node cache answers: interception in place');
    console.log(JSON.stringify({ switch: action, ok: outcome.ok }));
  },
});
const admin = config.admin ? await startAdminServer({ ...config.admin, registry, logger, isReady: () => guard.state().intercepting !== null }) : null;
logger.info({ probe: config.target, addresses: config.addresses, intervalMs: config.intervalMs, iptables: backend }, 'guarding the node cache');
console.log(JSON.stringify({ ready: true, app: 'node-guard', admin: admin?.port ?? null }));

onStop(async (signal) => {
  logger.info({ signal, onExit: config.onExit }, 'stopping');
  await guard.stop();
  const left = await guardExit(interception, config.onExit, async () => (await probe(config.target, config.timeoutMs)).answered);
  if (left.error) logger.error({ ...left }, 'cannot take the interception away on exit');
  else logger.info({ ...left }, 'the interception on exit');
  console.log(JSON.stringify({ exit: left }));
  await admin?.close();
});
