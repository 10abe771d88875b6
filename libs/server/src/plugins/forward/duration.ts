// Go-style durations as Corefiles write them: `500ms`, `5s`, `1m30s`, `2h`. Returns milliseconds or null.
const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : null;
}
