#!/usr/bin/env bash
# Fetches containerd 1.7 (Debian trixie) and 2.x (Debian sid) as .deb files and unpacks them under
# .cache/containerd/<version>/ without touching the system's apt configuration: each suite gets a private
# sources list and private apt state/cache dirs under .cache/apt-<suite>/. containerd 1.6 comes from the
# system package (apt-get install containerd on Debian 12) and is not handled here.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/.cache"
system_sources=/etc/apt/sources.list.d/debian.sources

# The machine's own Debian mirror and keyring, from the first stanza whose Suites name a plain release.
read_system_source() {
  local uri='' keyring=''
  if [[ -r $system_sources ]]; then
    uri="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$system_sources")"
    keyring="$(awk '/^Signed-By:/ {print $2; exit}' "$system_sources")"
  fi
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)"
  fi
  mirror_uri="${uri:-http://deb.debian.org/debian}"
  mirror_keyring="${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}"
}

# apt-get/apt-cache against the private state of one suite.
private_apt() {
  local suite_dir="$1" tool="$2"
  shift 2
  "$tool" \
    -o Dir::Etc::SourceList="$suite_dir/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences="$suite_dir/preferences" \
    -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State="$suite_dir/state" \
    -o Dir::State::status="$suite_dir/state/status" \
    -o Dir::Cache="$suite_dir/cache" \
    -o APT::Architecture="$(dpkg --print-architecture)" \
    -o Acquire::Languages=none \
    -o Acquire::Retries=2 \
    -o APT::Sandbox::User=root \
    "$@"
}

fetch_suite() {
  local suite="$1" dest="$2"
  if [[ -x $dest/usr/bin/containerd && -x $dest/usr/bin/ctr && -x $dest/usr/bin/containerd-shim-runc-v2 ]]; then
    echo "fetch-containerd: $suite already unpacked in ${dest#"$repo"/} ($(cat "$dest/.version" 2>/dev/null || echo '?'))"
    return 0
  fi
  local suite_dir="$cache/apt-$suite"
  mkdir -p "$suite_dir/state/lists/partial" "$suite_dir/cache/archives/partial" "$suite_dir/debs"
  echo "deb [signed-by=$mirror_keyring] $mirror_uri $suite main" >"$suite_dir/sources.list"
  : >"$suite_dir/preferences"
  # An empty dpkg status: the private apt must not see (or resolve against) what the system has installed.
  : >"$suite_dir/state/status"

  private_apt "$suite_dir" apt-get -qq update
  local version
  version="$(private_apt "$suite_dir" apt-cache policy containerd | awk '/Candidate:/ {print $2}')"
  if [[ -z $version || $version == '(none)' ]]; then
    echo "fetch-containerd: no containerd package in $suite; candidates:" >&2
    private_apt "$suite_dir" apt-cache search containerd >&2 || true
    return 1
  fi
  rm -f "$suite_dir/debs"/containerd_*.deb
  (cd "$suite_dir/debs" && private_apt "$suite_dir" apt-get -qq download "containerd=$version")
  local deb
  deb="$(ls "$suite_dir/debs"/containerd_*.deb | head -n1)"

  # Unpack beside the destination and rename into place, so a half-unpacked tree is never taken as done.
  local tmp="$dest.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  echo "$version" >"$tmp/.version"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "fetch-containerd: $suite containerd $version unpacked in ${dest#"$repo"/}"
}

with_retry() {
  if ! "$@"; then
    echo "fetch-containerd: '$*' failed, retrying once" >&2
    sleep 3
    "$@"
  fi
}

check_runs() {
  local dest="$1"
  for bin in containerd ctr containerd-shim-runc-v2; do
    [[ -x $dest/usr/bin/$bin ]] || {
      echo "fetch-containerd: missing $dest/usr/bin/$bin" >&2
      return 1
    }
  done
  "$dest/usr/bin/containerd" --version
}

read_system_source
mkdir -p "$cache/containerd"
with_retry fetch_suite trixie "$cache/containerd/1.7"
with_retry fetch_suite sid "$cache/containerd/2"
check_runs "$cache/containerd/1.7"
check_runs "$cache/containerd/2"
