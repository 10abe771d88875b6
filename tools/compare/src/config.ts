// What `node tools/compare/src/main.ts [options]` asks for: files, the pods mode and how to compare, or why not.
import { fileURLToPath } from 'node:url';
import { parseWholeNumber, readFlags, type ConfigResult } from '@halo/cli';
import { defaultManifests, type PodsMode } from '@halo/stack';

export interface CompareConfig {
  manifests: string;
  questions: string;
  /** The coredns binary given; otherwise found on PATH or in ~/go/bin. */
  coredns?: string;
  pods: PodsMode;
  ttlSlack: number;
  compareSerial: boolean;
  tcp: boolean;
  /** EDNS(0) payload size to advertise; 0 for none. */
  edns: number;
  showAll: boolean;
  /** Instead of --manifests and --questions: the bench's generated cluster with this many Services. */
  generated?: number;
  /** Differing questions printed in full at most; the summary counts them all. */
  maxShown: number;
}

export const defaultQuestions = fileURLToPath(new URL('../questions.txt', import.meta.url));

export const usage = `Usage: node tools/compare/src/main.ts [options]
  --manifests FILE   seed kube-sim from this YAML (default deploy/examples/demo-cluster.yaml)
  --questions FILE   "name type" a line (default tools/compare/questions.txt)
  --generated N      instead of --manifests/--questions: the bench's generated cluster with N Services
                     (10 endpoints each on average, tools/bench) and questions generated about it
  --coredns PATH     the coredns binary (default: coredns on PATH, else tools/reference's build,
                     else ~/go/bin/coredns)
  --pods MODE        the kubernetes plugin's pods mode on both sides: insecure|verified|disabled (default insecure)
  --ttl-slack S      TTLs may differ by S seconds (default 5: the cache plugin counts TTLs down); large if TTLs are configured differently
  --compare-serial   compare SOA serials too (they differ by design)
  --tcp              ask over TCP instead of UDP
  --edns N           EDNS(0) payload size to advertise (default 1232; 0 for none)
  --show-all         print every answer, not only the differing ones
  --max-shown N      print at most N differing questions in full (default 50); the summary counts all`;

const podsModes: readonly PodsMode[] = ['insecure', 'verified', 'disabled'];

export function readConfig(argv: string[]): ConfigResult<CompareConfig> {
  const flags = readFlags(
    argv,
    {
      manifests: { type: 'string' },
      questions: { type: 'string' },
      coredns: { type: 'string' },
      pods: { type: 'string' },
      'ttl-slack': { type: 'string' },
      'compare-serial': { type: 'boolean' },
      tcp: { type: 'boolean' },
      edns: { type: 'string' },
      'show-all': { type: 'boolean' },
      generated: { type: 'string' },
      'max-shown': { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const pods = podsModes.find((mode) => mode === (values.pods ?? 'insecure'));
  if (pods === undefined) return { ok: false, message: `--pods: insecure, verified or disabled, not "${values.pods}"` };
  const ttlSlackText = values['ttl-slack'] ?? '5';
  // Seconds, fractions allowed: the slack is compared with TTL differences, not slept on.
  if (!/^[0-9]+(\.[0-9]+)?$/.test(ttlSlackText.trim())) return { ok: false, message: `--ttl-slack: a number of seconds ≥ 0, not "${ttlSlackText}"` };
  const edns = parseWholeNumber(values.edns ?? '1232', '--edns', { max: 65535 });
  if (!edns.ok) return edns;
  const maxShown = parseWholeNumber(values['max-shown'] ?? '50', '--max-shown', {});
  if (!maxShown.ok) return maxShown;
  let generated: number | undefined;
  if (values.generated !== undefined) {
    const n = parseWholeNumber(values.generated, '--generated', { min: 10, max: 100_000 });
    if (!n.ok) return n;
    if (values.manifests !== undefined || values.questions !== undefined)
      return { ok: false, message: '--generated makes the cluster and the questions: leave out --manifests and --questions' };
    generated = n.value;
  }
  return {
    ok: true,
    config: {
      manifests: values.manifests ?? defaultManifests,
      questions: values.questions ?? defaultQuestions,
      coredns: values.coredns,
      pods,
      ttlSlack: Number(ttlSlackText),
      compareSerial: values['compare-serial'] === true,
      tcp: values.tcp === true,
      edns: edns.value,
      showAll: values['show-all'] === true,
      generated,
      maxShown: maxShown.value,
    },
  };
}
