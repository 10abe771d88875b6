#!/usr/bin/env node
// node tools/compare/src/main.ts --manifests FILE --questions FILE: our stack and CoreDNS, the same
// kube-sim, the same Corefile, the same questions; prints every difference.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultManifests, startStack, type PodsMode, type Stack } from '@halo/stack';
import { compareServers } from './compare.ts';
import { findCoredns, startCoredns, type Coredns } from './coredns.ts';
import { describeResponse } from './diff.ts';
import { parseQuestions } from './questions.ts';

const defaultQuestions = fileURLToPath(new URL('../questions.txt', import.meta.url));

const usage = `Usage: node tools/compare/src/main.ts [options]
  --manifests FILE   seed kube-sim from this YAML (default deploy/examples/demo-cluster.yaml)
  --questions FILE   "name type" a line (default tools/compare/questions.txt)
  --coredns PATH     the coredns binary (default: coredns on PATH, else ~/go/bin/coredns)
  --pods MODE        the kubernetes plugin's pods mode on both sides: insecure|verified|disabled (default insecure)
  --ttl-slack S      TTLs may differ by S seconds (default 5: the cache plugin counts TTLs down); large if TTLs are configured differently
  --compare-serial   compare SOA serials too (they differ by design)
  --tcp              ask over TCP instead of UDP
  --edns N           EDNS(0) payload size to advertise (default 1232; 0 for none)
  --show-all         print every answer, not only the differing ones`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      manifests: { type: 'string', default: defaultManifests },
      questions: { type: 'string', default: defaultQuestions },
      coredns: { type: 'string' },
      pods: { type: 'string', default: 'insecure' },
      'ttl-slack': { type: 'string', default: '5' },
      'compare-serial': { type: 'boolean', default: false },
      tcp: { type: 'boolean', default: false },
      edns: { type: 'string', default: '1232' },
      'show-all': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
const { values } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const pods = values.pods;
if (pods !== 'insecure' && pods !== 'verified' && pods !== 'disabled') fail(`--pods: insecure, verified or disabled, not "${pods}"`);
const ttlSlack = Number(values['ttl-slack']);
const edns = Number(values.edns);
if (!Number.isFinite(ttlSlack) || ttlSlack < 0) fail(`--ttl-slack: a number of seconds ≥ 0, not "${values['ttl-slack']}"`);
if (!Number.isInteger(edns) || edns < 0 || edns > 65535) fail(`--edns: a payload size 0..65535, not "${values.edns}"`);

const text = await readFile(values.questions, 'utf8').catch((error: Error) => fail(`cannot read the questions: ${error.message}`));
const questions = parseQuestions(text, values.questions);
if (!questions.ok) fail(questions.errors.map((e) => e.message).join('\n'));

const binary = findCoredns(values.coredns);
if (!binary) {
  console.log(
    values.coredns
      ? `no CoreDNS at ${values.coredns}: printing our answers only`
      : 'no coredns binary (not on PATH, not in ~/go/bin; build one with `go install github.com/coredns/coredns@<version>`): printing our answers only',
  );
}

let stack: Stack | undefined;
let coredns: Coredns | undefined;
const dir = await mkdtemp(join(tmpdir(), 'halo-compare-'));
let exitCode = 0;
try {
  console.log(`starting our stack seeded from ${values.manifests}…`);
  stack = await startStack({ manifests: values.manifests, pods: pods as PodsMode, answerers: 1 });
  if (binary) {
    console.log(`starting CoreDNS (${binary}) against the same kube-sim (${stack.kubeUrl})…`);
    coredns = await startCoredns(binary, { corefile: await readFile(stack.corefile, 'utf8'), kubeUrl: stack.kubeUrl, dir });
  }
  const outcomes = await compareServers(questions.questions, stack.dns, coredns?.address, {
    ttlSlack,
    compareSerial: values['compare-serial'],
    tcp: values.tcp,
    edns,
  });

  const show = (r: (typeof outcomes)[number]['ours']) => ('error' in r ? `no answer: ${r.error}` : describeResponse(r));
  const indent = (s: string) => s.replace(/^/gm, '      ');
  let differing = 0;
  for (const o of outcomes) {
    const q = `${o.question.name} ${o.question.type}`;
    if (o.differences.length === 0) {
      if (values['show-all'] || !coredns) console.log(`${coredns ? 'same' : 'ours'}  ${q}\n${indent(show(o.ours))}`);
      continue;
    }
    differing++;
    console.log(`DIFF  ${q}  (questions line ${o.question.line})`);
    for (const d of o.differences) console.log(`    ${d.what}: ours ${d.ours} | coredns ${d.theirs}`);
    console.log(`    ours:\n${indent(show(o.ours))}`);
    if (o.theirs) console.log(`    coredns:\n${indent(show(o.theirs))}`);
  }
  // client-go's complaints (a list or watch kube-sim does not serve) would explain answers missing on CoreDNS's side.
  const complaints = coredns?.handle.lines.filter((line) => /\[(ERROR|WARNING)\]|^E\d{4}|failed to (list|watch)/.test(line)) ?? [];
  if (complaints.length > 0) console.log(`\nCoreDNS reported (last ${Math.min(10, complaints.length)} of ${complaints.length}):\n${complaints.slice(-10).join('\n')}`);
  if (coredns) {
    console.log(`\n${differing} of ${outcomes.length} questions answered differently by our stack and CoreDNS`);
    exitCode = differing > 0 ? 1 : 0;
  }
} catch (error) {
  console.error(`compare failed: ${(error as Error).message}`);
  exitCode = 2;
} finally {
  await coredns?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);
