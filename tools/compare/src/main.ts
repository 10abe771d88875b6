#!/usr/bin/env node
// node tools/compare/src/main.ts --manifests FILE --questions FILE: our stack and CoreDNS, the same
// kube-sim, the same Corefile, the same questions; prints every difference.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOrExit } from '@halo/cli';
import { startStack, type Stack } from '@halo/stack';
import { compareServers } from './compare.ts';
import { readConfig } from './config.ts';
import { findCoredns, startCoredns, type Coredns } from './coredns.ts';
import { describeResponse } from './diff.ts';
import { parseQuestions } from './questions.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const config = configOrExit(readConfig(process.argv.slice(2)));

const text = await readFile(config.questions, 'utf8').catch((error: Error) => fail(`cannot read the questions: ${error.message}`));
const questions = parseQuestions(text, config.questions);
if (!questions.ok) fail(questions.errors.map((e) => e.message).join('\n'));

const binary = findCoredns(config.coredns);
if (!binary) {
  console.log(
    config.coredns
      ? `no CoreDNS at ${config.coredns}: printing our answers only`
      : 'no coredns binary (not on PATH, not in ~/go/bin; build one with `go install github.com/coredns/coredns@<version>`): printing our answers only',
  );
}

let stack: Stack | undefined;
let coredns: Coredns | undefined;
const dir = await mkdtemp(join(tmpdir(), 'halo-compare-'));
let exitCode = 0;
try {
  console.log(`starting our stack seeded from ${config.manifests}…`);
  stack = await startStack({ manifests: config.manifests, pods: config.pods, answerers: 1 });
  if (binary) {
    console.log(`starting CoreDNS (${binary}) against the same kube-sim (${stack.kubeUrl})…`);
    coredns = await startCoredns(binary, { corefile: await readFile(stack.corefile, 'utf8'), kubeUrl: stack.kubeUrl, dir });
  }
  const outcomes = await compareServers(questions.questions, stack.dns, coredns?.address, {
    ttlSlack: config.ttlSlack,
    compareSerial: config.compareSerial,
    tcp: config.tcp,
    edns: config.edns,
  });

  const show = (r: (typeof outcomes)[number]['ours']) => ('error' in r ? `no answer: ${r.error}` : describeResponse(r));
  const indent = (s: string) => s.replace(/^/gm, '      ');
  let differing = 0;
  for (const o of outcomes) {
    const q = `${o.question.name} ${o.question.type}`;
    if (o.differences.length === 0) {
      if (config.showAll || !coredns) console.log(`${coredns ? 'same' : 'ours'}  ${q}\n${indent(show(o.ours))}`);
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
