// The plugins, in the order they run (CoreDNS's plugin.cfg order, not the Corefile's).
// One list in one file: adding a plugin means adding its line here.
import type { PluginSetup } from './types.ts';
import { plugin as reload } from './plugins/reload/setup.ts';
import { plugin as ready } from './plugins/ready/setup.ts';
import { plugin as health } from './plugins/health/setup.ts';
import { plugin as prometheus } from './plugins/prometheus/setup.ts';
import { plugin as errors } from './plugins/errors/setup.ts';
import { plugin as log } from './plugins/log/setup.ts';
import { plugin as acl } from './plugins/acl/setup.ts';
import { plugin as rrl } from './plugins/rrl/setup.ts';
import { plugin as loadbalance } from './plugins/loadbalance/setup.ts';
import { plugin as cache } from './plugins/cache/setup.ts';
import { plugin as rewrite } from './plugins/rewrite/setup.ts';
import { plugin as template } from './plugins/template/setup.ts';
import { plugin as hosts } from './plugins/hosts/setup.ts';
import { plugin as kubernetes } from './plugins/kubernetes/setup.ts';
import { plugin as loop } from './plugins/loop/setup.ts';
import { plugin as forward } from './plugins/forward/setup.ts';
import { plugin as whoami } from './plugins/whoami/setup.ts';

// plugin.cfg: ... reload, ..., ready, health, pprof, prometheus, errors, log, ..., acl, ..., loadbalance, ...,
// cache, rewrite, ..., template, ..., hosts, ..., kubernetes, ..., loop, forward, ..., whoami. rrl (an
// external plugin) runs right after acl, ahead of the cache, so that cached answers are limited too.
export const plugins: readonly PluginSetup[] = [
  reload,
  ready,
  health,
  prometheus,
  errors,
  log,
  acl,
  rrl,
  loadbalance,
  cache,
  rewrite,
  template,
  hosts,
  kubernetes,
  loop,
  forward,
  whoami,
];
