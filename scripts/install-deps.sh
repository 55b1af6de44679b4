#!/usr/bin/env bash
# Installs what the build and the tests need: runc, crun, containerd 1.6 (Debian 12), busybox-static, the npm
# dependencies (which builds the native addon), and containerd 1.7 / 2.x unpacked under .cache/. Idempotent:
# apt is only updated when a package is missing. `--minimal` installs only what running a container through
# the shim needs (no containerd, crun or compilers for the tests).
set -euo pipefail

minimal=false
[[ ${1:-} == --minimal ]] && minimal=true

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

apt_packages=(runc busybox-static make g++ python3)
$minimal || apt_packages+=(crun containerd gcc ca-certificates util-linux)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: apt packages present"
fi

# The native addon is built by npm's install script through node-gyp; with Debian's nodejs the headers are in
# /usr/include/node, which spares node-gyp a header download (there is no internet here beyond the registries).
if [[ -d /usr/include/node ]]; then
  export npm_config_nodedir=/usr
fi
lock_stamp=node_modules/.package-lock.json
addon=build/Release/tsshim_native.node
if [[ ! -f $lock_stamp || package-lock.json -nt $lock_stamp || package.json -nt $lock_stamp ]]; then
  echo "install-deps: npm ci (also builds the native addon)"
  npm ci --no-audit --no-fund
elif [[ ! -f $addon || src/native/addon.c -nt $addon || binding.gyp -nt $addon ]]; then
  echo "install-deps: node_modules up to date; rebuilding the native addon"
  npm run install
else
  echo "install-deps: node_modules and native addon up to date"
fi

$minimal || bash "$repo/scripts/fetch-containerd.sh"
