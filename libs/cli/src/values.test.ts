import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseHostPort, parseHostPorts, parseNatsServers, parsePort, parseWholeNumber, splitList } from './values.ts';

// Each row: what the operator typed, then the value, or a piece of the message they get.
describe('parsePort', () => {
  it.each<[string, { min?: number }, number | RegExp]>([
    ['53', {}, 53],
    ['0', {}, 0],
    [' 8080 ', {}, 8080],
    ['65535', {}, 65535],
    ['65536', {}, /^--p: not a port: 65536$/],
    ['0', { min: 1 }, /--p: not a port: 0/],
    ['http', {}, /--p: not a port: http/],
    ['', {}, /not a port/],
    ['1.5', {}, /not a port/],
    ['0x10', {}, /not a port/],
    ['-1', {}, /not a port/],
  ])('%j %j', (text, options, expected) => {
    check(parsePort(text, '--p', options), expected);
  });
});

describe('parseHostPort', () => {
  it.each<[string, number, { minPort?: number }, { host: string; port: number } | RegExp]>([
    ['10.0.0.1', 53, {}, { host: '10.0.0.1', port: 53 }],
    ['10.0.0.1:5353', 53, {}, { host: '10.0.0.1', port: 5353 }],
    [' 10.0.0.1:5353 ', 53, {}, { host: '10.0.0.1', port: 5353 }],
    ['fd00::1', 53, {}, { host: 'fd00::1', port: 53 }],
    ['[fd00::1]', 53, {}, { host: 'fd00::1', port: 53 }],
    ['[fd00::1]:5353', 53, {}, { host: 'fd00::1', port: 5353 }],
    ['10.0.0.1:0', 53, {}, { host: '10.0.0.1', port: 0 }],
    ['10.0.0.1:0', 53, { minPort: 1 }, /--probe: "10.0.0.1:0" is not IP, IP:PORT or \[IPv6\]:PORT/],
    ['10.0.0.1:', 53, {}, /is not IP/],
    ['10.0.0.1:70000', 53, {}, /is not IP/],
    ['node-1:53', 53, {}, /"node-1:53" is not IP/],
    ['nope', 53, {}, /"nope" is not IP/],
  ])('%j (default port %d) %j', (text, defaultPort, options, expected) => {
    check(parseHostPort(text, defaultPort, '--probe', options), expected);
  });
});

describe('parseHostPorts', () => {
  it.each<[string | undefined, { host: string; port: number }[] | RegExp]>([
    [undefined, []],
    ['', []],
    [
      '10.0.0.1:53, 10.0.0.2,,[fd00::2]:54',
      [
        { host: '10.0.0.1', port: 53 },
        { host: '10.0.0.2', port: 53 },
        { host: 'fd00::2', port: 54 },
      ],
    ],
    ['10.0.0.1,nope', /^--answerers: "nope" is not IP/],
  ])('%j', (text, expected) => {
    check(parseHostPorts(text, 53, '--answerers'), expected);
  });
});

describe('parseDurationMs', () => {
  it.each<[string, { min?: number }, number | RegExp]>([
    ['50ms', {}, 50],
    ['1.5s', {}, 1500],
    ['0.1s', {}, 100],
    ['250', {}, 250],
    ['0.4', {}, 0],
    ['5ms', { min: 10 }, /--interval: a duration like 50ms or 1\.5s, at least 10ms, got "5ms"/],
    ['1m', {}, /got "1m"/],
    ['fast', {}, /got "fast"/],
    ['', {}, /got ""/],
    ['-5ms', {}, /duration/],
  ])('%j %j', (text, options, expected) => {
    check(parseDurationMs(text, '--interval', options), expected);
  });
});

describe('parseWholeNumber', () => {
  it.each<[string, { min?: number; max?: number }, number | RegExp]>([
    ['2', { min: 1 }, 2],
    ['0', {}, 0],
    ['0', { min: 1 }, /^--failures: a whole number ≥ 1, got "0"$/],
    ['1.5', { min: 1 }, /whole number/],
    ['257', { min: 1, max: 256 }, /--failures: a whole number from 1 to 256, got "257"/],
    ['two', {}, /got "two"/],
  ])('%j %j', (text, options, expected) => {
    check(parseWholeNumber(text, '--failures', options), expected);
  });
});

describe('parseNatsServers', () => {
  it.each<[string, string[] | RegExp]>([
    ['nats://127.0.0.1:4222', ['nats://127.0.0.1:4222']],
    ['nats://a:4222, nats://b:4222', ['nats://a:4222', 'nats://b:4222']],
    ['tls://nats.example:4222,127.0.0.1:4223', ['tls://nats.example:4222', '127.0.0.1:4223']],
    ['', /--nats: give at least one NATS server/],
    [' , ', /give at least one/],
    ['http://a:4222', /--nats: "http:\/\/a:4222" is not a NATS server URL/],
    ['nats://a b', /"nats:\/\/a b" is not a NATS server URL/],
  ])('%j', (text, expected) => {
    check(parseNatsServers(text, '--nats'), expected);
  });
});

describe('splitList', () => {
  it.each([
    ['a,b', ['a', 'b']],
    [' a , ,b,', ['a', 'b']],
    ['', []],
  ])('%j', (text, expected) => {
    expect(splitList(text)).toEqual(expected);
  });
});

function check<T>(result: { ok: true; value: T } | { ok: false; message: string }, expected: T | RegExp) {
  if (expected instanceof RegExp) {
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(expected);
  } else {
    expect(result).toEqual({ ok: true, value: expected });
  }
}
