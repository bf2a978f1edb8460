#!/usr/bin/env bash
# Builds the real control plane for the cluster test tier from Go modules: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler (Kubernetes 1.35.4) and KWOK (nodes without a kubelet).
# The versions are pinned by the wrapper modules in testcluster/modules/*/go.mod and go.sum.
#
# Binaries go to a cache outside the repo ($TESTCLUSTER_CACHE, default ~/.cache/jupyterhub-pulumi/testcluster),
# with a stamp per binary: a binary is rebuilt only when its wrapper module changes. Go's own module and build
# caches (GOMODCACHE, GOCACHE) stay where Go keeps them, also outside the repo.
# Prints the directory holding the binaries on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${TESTCLUSTER_CACHE:-$HOME/.cache/jupyterhub-pulumi/testcluster}"
bin="$cache/bin"
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly -buildvcs=false" GOTOOLCHAIN=local

k8s_version=v1.35.4
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35 \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

# build MODULE_DIR BINARY PACKAGE [LDFLAGS]
build() {
  local module="$here/modules/$1" name="$2" package="$3" ldflags="${4:--s -w}"
  local stamp
  stamp="$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-16) $package $ldflags"
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "cached: $name" >&2
    return
  fi
  local started=$SECONDS
  echo "building $name ($package)..." >&2
  (cd "$module" && go build -ldflags "$ldflags" -o "$bin/$name.new" "$package")
  mv "$bin/$name.new" "$bin/$name"
  echo "$stamp" > "$bin/$name.stamp"
  echo "built $name in $((SECONDS - started)) s" >&2
}

# Cheapest first, so a failure in a later one leaves the earlier ones cached.
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
build etcd etcd go.etcd.io/etcd/server/v3
build kubernetes kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"

# KWOK's own stages for node and pod lifecycles, from the module pinned above (not copied into the repo).
stages="$cache/stages"
mkdir -p "$stages"
kwok_dir="$(cd "$here/modules/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
  pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  install -m 0644 "$kwok_dir/kustomize/stage/$stage.yaml" "$stages/"
done

# The CSI snapshot CRDs (VolumeSnapshot, VolumeSnapshotClass, VolumeSnapshotContent) from the pinned module
# of kubernetes-csi/external-snapshotter: the home backups' objects on the real API server.
snapshotter=github.com/kubernetes-csi/external-snapshotter/client/v8@v8.7.0
crds="$cache/crds"
mkdir -p "$crds"
snapshotter_dir="$(GOFLAGS=-mod=mod go mod download -json "$snapshotter" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
for crd in volumesnapshotclasses volumesnapshotcontents volumesnapshots; do
  install -m 0644 "$snapshotter_dir/config/crd/snapshot.storage.k8s.io_$crd.yaml" "$crds/"
done
echo "$bin"
