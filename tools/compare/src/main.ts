#!/usr/bin/env node
// node tools/compare/src/main.ts --manifests FILE --questions FILE: our stack and CoreDNS, the same
// kube-sim, the same Corefile, the same questions; prints every difference.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOrExit } from '@halo/cli';
import { startStack, type Stack } from '@halo/stack';
import { compareServers } from './compare.ts';
import { readConfig } from './config.ts';
import { findCoredns, startCoredns, waitForCluster, type Coredns } from '@halo/bench';
import { describeResponse } from './diff.ts';
import { generatedCluster, type GeneratedCluster } from './generated.ts';
import { parseQuestions, type Question } from './questions.ts';
import { differenceKinds } from './summary.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const config = configOrExit(readConfig(process.argv.slice(2)));

let generated: GeneratedCluster | undefined;
let asked: Question[];
if (config.generated !== undefined) {
  generated = generatedCluster(config.generated);
  asked = generated.questions;
} else {
  const text = await readFile(config.questions, 'utf8').catch((error: Error) => fail(`cannot read the questions: ${error.message}`));
  const questions = parseQuestions(text, config.questions);
  if (!questions.ok) fail(questions.errors.map((e) => e.message).join('\n'));
  asked = questions.questions;
}

const binary = findCoredns(config.coredns);
if (!binary) {
  console.log(
    config.coredns
      ? `no CoreDNS at ${config.coredns}: printing our answers only`
      : 'no coredns binary (not on PATH, not built by tools/reference/build.sh coredns, not in ~/go/bin): printing our answers only',
  );
}

let stack: Stack | undefined;
let coredns: Coredns | undefined;
const dir = await mkdtemp(join(tmpdir(), 'halo-compare-'));
let exitCode = 0;
try {
  let manifests = config.manifests;
  if (generated) {
    manifests = join(dir, 'generated.json');
    await writeFile(manifests, generated.manifests);
    const endpoints = generated.cluster.services.reduce((n, s) => n + s.endpoints.length, 0);
    console.log(`generated ${generated.cluster.services.length} Services with ${endpoints} endpoints (tools/bench) and ${asked.length} questions`);
  }
  const log = (line: string) => console.log(line);
  console.log(`starting our stack seeded from ${manifests}…`);
  stack = await startStack({ manifests, pods: config.pods, answerers: 1 });
  if (generated) await waitForCluster(stack.dns, generated.cluster, (line) => log(`ours: ${line}`));
  if (binary) {
    console.log(`starting CoreDNS (${binary}) against the same kube-sim (${stack.kubeUrl})…`);
    coredns = await startCoredns(binary, {
      corefile: await readFile(stack.corefile, 'utf8'),
      kubeUrl: stack.kubeUrl,
      dir,
      readyTimeoutMs: generated ? 300_000 : 30_000,
    });
    if (generated) await waitForCluster(coredns.address, generated.cluster, (line) => log(`coredns: ${line}`));
  }
  if (generated && coredns) {
    // The readiness probes filled both caches, minutes apart: their TTLs would differ by when, not by how.
    const cacheTtl = 30;
    console.log(`waiting ${cacheTtl + 1} s for the probes' answers to leave both caches (kubeadm's cache ${cacheTtl})…`);
    await new Promise((resolve) => setTimeout(resolve, (cacheTtl + 1) * 1000));
  }
  const outcomes = await compareServers(asked, stack.dns, coredns?.address, {
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
    if (differing > config.maxShown) continue;
    console.log(`DIFF  ${q}  (questions line ${o.question.line})`);
    for (const d of o.differences) console.log(`    ${d.what}: ours ${d.ours} | coredns ${d.theirs}`);
    console.log(`    ours:\n${indent(show(o.ours))}`);
    if (o.theirs) console.log(`    coredns:\n${indent(show(o.theirs))}`);
  }
  // client-go's complaints (a list or watch kube-sim does not serve) would explain answers missing on CoreDNS's side.
  const complaints = coredns?.handle.lines.filter((line) => /\[(ERROR|WARNING)\]|^E\d{4}|failed to (list|watch)/.test(line)) ?? [];
  if (complaints.length > 0)
    console.log(`\nCoreDNS reported (last ${Math.min(10, complaints.length)} of ${complaints.length}):\n${complaints.slice(-10).join('\n')}`);
  if (coredns) {
    if (differing > config.maxShown) console.log(`\n(${differing - config.maxShown} more differing questions not shown in full: --max-shown)`);
    const kinds = differenceKinds(outcomes);
    if (kinds.length > 0) console.log(`\ndifferences by kind (question type, what differs; numbers as N):`);
    for (const k of kinds) console.log(`  ${String(k.count).padStart(6)}  ${k.kind}\n          e.g. ${k.examples.join('; ')}`);
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
