#!/usr/bin/env bash
# Builds the reference binaries that tests and benchmarks run beside Halo (never shipped, never needed
# by a user): etcd + kube-apiserver + kubectl (a real control plane), Jaeger v2, CoreDNS.
# Each lands once in $HALO_REFERENCE_DIR/<name>-<version>/ (default ~/.cache/halo-dns/reference),
# so a machine builds it once. Needs Go and its module proxy.
#   tools/reference/build.sh [all|etcd|kube-apiserver|jaeger|coredns]...
#   tools/reference/build.sh dir             the cache folder
#   tools/reference/build.sh path NAME...    where each binary is (or will be): etcd, kube-apiserver, kubectl, jaeger, coredns
set -euo pipefail

ETCD_VERSION=v3.7.3
KUBERNETES_VERSION=v1.37.2
JAEGER_VERSION=v1.75.0
COREDNS_VERSION=v1.14.7

root="${HALO_REFERENCE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/halo-dns/reference}"

# Where each binary lands; answered without Go, so tests can look for what is built.
path_of() {
  case "$1" in
    etcd) echo "$root/etcd-$ETCD_VERSION/etcd" ;;
    kube-apiserver|kubectl) echo "$root/kubernetes-$KUBERNETES_VERSION/$1" ;;
    jaeger) echo "$root/jaeger-$JAEGER_VERSION/jaeger" ;;
    coredns) echo "$root/coredns-$COREDNS_VERSION/coredns" ;;
    *) echo "reference: no binary named '$1' (etcd, kube-apiserver, kubectl, jaeger, coredns)" >&2; return 2 ;;
  esac
}
case "${1:-}" in
  dir) echo "$root"; exit 0 ;;
  path) shift; for b in "$@"; do path_of "$b" || exit 2; done; exit 0 ;;
esac

# A binary already built is found without Go; building one needs it.
need_go() { command -v go >/dev/null || { echo "reference: Go is not installed (https://go.dev/doc/install); nothing built" >&2; exit 3; }; }
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

# $1 name-version folder, $2.. binaries expected in it: true when all are there.
built() { local dir="$root/$1"; shift; for b in "$@"; do [ -x "$dir/$b" ] || return 1; done; echo "reference: $dir (cached)"; }
scratch() { local d; d=$(mktemp -d "${TMPDIR:-/tmp}/halo-reference.XXXXXX"); echo "$d"; }

build_etcd() {
  local out="etcd-$ETCD_VERSION"; built "$out" etcd && return
  need_go
  local d; d=$(scratch)
  cat >"$d/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$d" && go mod init halo.local/etcd >/dev/null 2>&1 && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1 \
    && mkdir -p "$root/$out" && go build -trimpath -o "$root/$out/etcd" .)
  rm -rf "$d"; echo "reference: built $root/$out/etcd"
}

build_kube_apiserver() {
  local out="kubernetes-$KUBERNETES_VERSION"
  # The version is stamped in at link time, as Kubernetes' own build does; without it the binaries say
  # v0.0.0-master, which `kubectl version` cannot parse. A build without it is made again.
  [ "$("$root/$out/kube-apiserver" --version 2>/dev/null)" = "Kubernetes $KUBERNETES_VERSION" ] && built "$out" kube-apiserver kubectl && return
  need_go
  local d minor="v0.${KUBERNETES_VERSION#v1.}" ldflags="" pkg major kminor
  d=$(scratch)
  major=${KUBERNETES_VERSION#v}; major=${major%%.*}
  kminor=${KUBERNETES_VERSION#v*.}; kminor=${kminor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$kminor -X $pkg.gitTreeState=clean"
  done
  (cd "$d" && go mod init halo.local/kubernetes >/dev/null 2>&1
    # k8s.io/kubernetes replaces its staging modules with local folders; point them at the published ones.
    gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
    go mod edit -require="k8s.io/kubernetes@$KUBERNETES_VERSION"
    for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod"); do
      go mod edit -replace="$m=$m@$minor"
    done
    printf 'package main\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\nfunc main() {}\n' >tools.go
    go mod tidy >/dev/null 2>&1
    mkdir -p "$root/$out"
    go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="$ldflags" -o "$root/$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    go build -trimpath -ldflags="$ldflags" -o "$root/$out/kubectl" k8s.io/kubernetes/cmd/kubectl)
  rm -rf "$d"; echo "reference: built $root/$out/{kube-apiserver,kubectl}"
}

build_jaeger() {
  local out="jaeger-$JAEGER_VERSION"; built "$out" jaeger && return
  need_go
  local d; d=$(scratch)
  (cd "$d" && go mod init halo.local/jaeger >/dev/null 2>&1
    # Jaeger's own go.mod replaces sarama; a module that requires Jaeger must say the same.
    go mod edit -replace=github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION" >/dev/null 2>&1
    mkdir -p "$root/$out" && go build -trimpath -o "$root/$out/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger)
  rm -rf "$d"; echo "reference: built $root/$out/jaeger"
}

build_coredns() {
  local out="coredns-$COREDNS_VERSION"; built "$out" coredns && return
  need_go
  mkdir -p "$root/$out"
  GOBIN="$root/$out" go install "github.com/coredns/coredns@$COREDNS_VERSION"
  echo "reference: built $root/$out/coredns"
}

[ $# -gt 0 ] || set -- all
for what in "$@"; do
  case "$what" in
    all) build_etcd; build_kube_apiserver; build_jaeger; build_coredns ;;
    etcd) build_etcd ;;
    kube-apiserver|kubernetes) build_kube_apiserver ;;
    jaeger) build_jaeger ;;
    coredns) build_coredns ;;
    *) echo "reference: unknown '$what' (all, etcd, kube-apiserver, jaeger, coredns, dir, path)" >&2; exit 2 ;;
  esac
done
