#!/usr/bin/env node
// Lightweight subscribers of `halo.zone.changed` for the fan-out benchmark: --count NATS connections in
// one process, each subscribed as a node cache is. It prints `{"ready":true}` once every subscription
// is in place, then one line per message received: `<key> <epoch ms>`, in batches.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { decodeZoneChanged, subjects } from '@halo/bus';

const { values } = parseArgs({ options: { nats: { type: 'string' }, count: { type: 'string' }, name: { type: 'string' } } });
const count = Number(values.count ?? 1);
if (!values.nats || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: subscribers.ts --nats URL --count N [--name PREFIX]\n');
  process.exit(2);
}

let pending: string[] = [];
const connections: NatsConnection[] = [];
for (let i = 0; i < count; i++) {
  const nc = await connect({ servers: values.nats, name: `${values.name ?? 'bench-subscriber'}-${i}` });
  nc.subscribe(subjects.zoneChanged, {
    callback: (err, msg) => {
      if (err) return;
      const at = performance.timeOrigin + performance.now();
      const change = decodeZoneChanged(msg.data);
      if (change.ok) pending.push(`${change.value.key} ${at.toFixed(3)}`);
    },
  });
  connections.push(nc);
}
await Promise.all(connections.map((nc) => nc.flush()));
process.stdout.write(`${JSON.stringify({ ready: true, subscribers: count })}\n`);

// Written in batches, so that printing does not delay the next message's receipt.
setInterval(() => {
  if (pending.length === 0) return;
  process.stdout.write(`${pending.join('\n')}\n`);
  pending = [];
}, 100);

const stop = () => void Promise.all(connections.map((nc) => nc.close())).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
