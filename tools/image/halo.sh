#!/bin/sh
# The image's entry point: `halo <app> [flags]` runs that app's bundle; Node replaces this shell, so
# the app gets the signals (PID 1 in a container).
set -eu
usage() {
  echo "Usage: halo <app> [flags]   (halo <app> --help lists the app's flags)"
  echo "  answerer    serves cluster.local and the reverse zones from the bus"
  echo "  watcher     Services and EndpointSlices to DNS record sets on the bus"
  echo "  config      Corefile fragments: API, page, ConfigMaps; validated and pushed"
  echo "  node-cache  the cache on every node (NodeLocal DNSCache's job)"
  echo "  node-guard  takes the node's DNS interception away while the node cache fails"
}
app="${1:-}"
case "$app" in
  answerer|watcher|config|node-cache|node-guard)
    shift
    exec /usr/local/bin/node "/opt/halo/bin/$app.mjs" "$@" ;;
  ""|-h|--help|help)
    usage ;;
  *)
    echo "halo: no app named \"$app\"" >&2
    usage >&2
    exit 2 ;;
esac
