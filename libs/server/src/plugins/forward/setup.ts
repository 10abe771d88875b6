// forward FROM TO... { except, force_tcp, prefer_udp, expire, max_fails, max_connect_attempts, policy, health_check, max_concurrent, try_timeout }
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { normalizeZone, type CorefileError, type Directive, type Token } from '@halo/corefile';
import type { PluginSetup, SetupContext } from '../../plugin.ts';
import { parseDurationMs as parseDuration } from '../args.ts';
import { ForwardHandler, type ForwardConfig } from './handler.ts';
import { forwardMetrics } from './metrics.ts';
import { defaultUpstreamPoolOptions, type UpstreamAddress } from './upstream.ts';

const maxUpstreams = 15;

function fail(at: { pos: { file: string; line: number; column: number } }, message: string): CorefileError {
  return { file: at.pos.file, line: at.pos.line, column: at.pos.column, message: `forward: ${message}` };
}

/** `1.2.3.4`, `1.2.3.4:5353`, `dns://…`, `[::1]:53`, `::1`, or a resolv.conf path (its nameservers). */
export function parseUpstream(tok: Token, resolvConf: string | undefined): UpstreamAddress[] | CorefileError {
  let text = tok.text;
  const scheme = /^([a-z0-9]+):\/\//i.exec(text);
  if (scheme) {
    if (scheme[1].toLowerCase() !== 'dns') return fail(tok, `${scheme[1]}:// upstreams are not supported (only plain DNS over UDP/TCP): "${tok.text}"`);
    text = text.slice(scheme[0].length);
  }
  if (text.startsWith('/') || text.startsWith('.')) {
    const path = text === '/etc/resolv.conf' && resolvConf ? resolvConf : text;
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (err) {
      return fail(tok, `cannot read ${path}: ${(err as Error).message}`);
    }
    const servers = [...content.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1].replace(/%.*$/, '')).filter((ip) => net.isIP(ip) !== 0);
    if (servers.length === 0) return fail(tok, `${path} names no nameserver`);
    return servers.map((host) => ({ host, port: 53 }));
  }
  let host = text;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (net.isIPv6(text)) {
    host = text;
  } else if (text.includes(':')) {
    host = text.slice(0, text.lastIndexOf(':'));
    const portText = text.slice(text.lastIndexOf(':') + 1);
    if (!/^[0-9]{1,5}$/.test(portText)) return fail(tok, `bad port "${portText}" in "${tok.text}"`);
    port = Number(portText);
  }
  if (port < 1 || port > 65535) return fail(tok, `bad port ${port} in "${tok.text}": a port is a number from 1 to 65535`);
  if (net.isIP(host) === 0) return fail(tok, `"${tok.text}" is not an IP address, IP:port or resolv.conf path`);
  return [{ host, port }];
}

function integer(tok: Token | undefined, at: Directive, what: string, min: number): number | CorefileError {
  if (!tok) return fail(at, `${at.name} needs ${what}`);
  if (!/^[0-9]+$/.test(tok.text) || Number(tok.text) < min) return fail(tok, `${at.name}: "${tok.text}" is not ${what}`);
  return Number(tok.text);
}

export function parseForward(d: Directive, ctx: Pick<SetupContext, 'shared'>): ForwardConfig | CorefileError[] {
  const errors: CorefileError[] = [];
  if (d.args.length < 2) return [fail(d, 'needs FROM and at least one TO, e.g. "forward . 8.8.8.8"')];
  const fromTok = d.args[0];
  const from = normalizeZone(fromTok.text);
  if (typeof from !== 'string') errors.push(fail(fromTok, `FROM "${fromTok.text}" is not a zone: ${from.reason}`));
  const upstreams: UpstreamAddress[] = [];
  for (const tok of d.args.slice(1)) {
    const parsed = parseUpstream(tok, ctx.shared.resolvConf);
    if (Array.isArray(parsed)) upstreams.push(...parsed);
    else errors.push(parsed);
  }
  if (upstreams.length > maxUpstreams) errors.push(fail(d.args[1], `at most ${maxUpstreams} upstreams, got ${upstreams.length}`));
  const config: ForwardConfig = {
    from: typeof from === 'string' ? from : '.',
    except: [],
    upstreams,
    pool: { ...defaultUpstreamPoolOptions },
    maxConcurrent: 0,
  };
  let forceTcpAt: Directive | null = null;
  let preferUdpAt: Directive | null = null;
  for (const o of d.block ?? []) {
    const noArgs = (): void => {
      if (o.args.length > 0) errors.push(fail(o.args[0], `${o.name} takes no arguments`));
    };
    switch (o.name) {
      case 'except':
        if (o.args.length === 0) errors.push(fail(o, 'except needs at least one name'));
        for (const a of o.args) {
          const zone = normalizeZone(a.text);
          if (typeof zone === 'string') config.except.push(zone);
          else errors.push(fail(a, `except: "${a.text}" is not a domain name: ${zone.reason}`));
        }
        break;
      case 'force_tcp':
        noArgs();
        forceTcpAt = o;
        config.pool.forceTcp = true;
        break;
      case 'prefer_udp':
        noArgs();
        preferUdpAt = o;
        config.pool.preferUdp = true;
        break;
      case 'expire': {
        const ms = o.args.length === 1 ? parseDuration(o.args[0].text) : null;
        if (ms === null) errors.push(fail(o.args[0] ?? o, 'expire needs one duration, e.g. "expire 10s"'));
        else config.pool.expireMs = ms;
        break;
      }
      case 'try_timeout': {
        // Ours, not CoreDNS's: how long one upstream may take before the query goes to the next one.
        const ms = o.args.length === 1 ? parseDuration(o.args[0].text) : null;
        if (ms === null || ms < 1) errors.push(fail(o.args[0] ?? o, 'try_timeout needs one duration of at least 1ms, e.g. "try_timeout 50ms"'));
        else config.pool.attemptTimeoutMs = Math.min(ms, config.pool.deadlineMs);
        break;
      }
      case 'max_fails': {
        const n = integer(o.args[0], o, 'a whole number (0 never marks an upstream down)', 0);
        if (typeof n === 'number') config.pool.maxFails = n;
        else errors.push(n);
        break;
      }
      case 'max_connect_attempts': {
        const n = integer(o.args[0], o, 'a whole number (0: no cap)', 0);
        if (typeof n === 'number') config.pool.maxConnectAttempts = n;
        else errors.push(n);
        break;
      }
      case 'max_concurrent': {
        const n = integer(o.args[0], o, 'a positive whole number', 1);
        if (typeof n === 'number') config.maxConcurrent = n;
        else errors.push(n);
        break;
      }
      case 'policy': {
        const p = o.args[0]?.text;
        if (o.args.length !== 1 || (p !== 'random' && p !== 'round_robin' && p !== 'sequential')) {
          errors.push(fail(o.args[0] ?? o, 'policy is one of random, round_robin, sequential'));
        } else config.pool.policy = p;
        break;
      }
      case 'health_check': {
        const ms = o.args[0] ? parseDuration(o.args[0].text) : null;
        if (ms === null) {
          errors.push(fail(o.args[0] ?? o, 'health_check needs a duration, e.g. "health_check 0.5s"'));
          break;
        }
        config.pool.healthCheckIntervalMs = ms;
        for (let i = 1; i < o.args.length; i++) {
          const a = o.args[i];
          if (a.text === 'no_rec') config.pool.healthCheckRecursionDesired = false;
          else if (a.text === 'domain' && o.args[i + 1]) {
            const zone = normalizeZone(o.args[++i].text);
            if (typeof zone === 'string') config.pool.healthCheckDomain = zone;
            else errors.push(fail(o.args[i], `health_check domain: ${zone.reason}`));
          } else errors.push(fail(a, `health_check: unknown option "${a.text}" (expected no_rec or domain NAME)`));
        }
        break;
      }
      case 'tls':
      case 'tls_servername':
        errors.push(fail(o, `${o.name} is not supported: Halo forwards plain DNS over UDP/TCP only`));
        break;
      default:
        errors.push(
          fail(
            o,
            `unknown option "${o.name}" (expected except, force_tcp, prefer_udp, expire, max_fails, max_connect_attempts, policy, health_check, max_concurrent, try_timeout)`,
          ),
        );
    }
  }
  if (forceTcpAt && preferUdpAt) errors.push(fail(preferUdpAt, 'force_tcp and prefer_udp cannot both be set'));
  return errors.length > 0 ? errors : config;
}

export const plugin: PluginSetup = {
  name: 'forward',
  setup(d, ctx) {
    const config = parseForward(d, ctx);
    if (Array.isArray(config)) return config;
    const handler = new ForwardHandler(config, forwardMetrics(ctx.shared.metrics), ctx.shared.logger, ctx.shared.revisionFloor);
    ctx.onClose(() => handler.close());
    return handler;
  },
};
