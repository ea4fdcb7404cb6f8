#!/usr/bin/env bash
# Usage: bench/cli-startup.sh [VERSION...]   (default: 20 22 24)
# How long the fastify-orm CLI takes to start on each Node.js version, loading the example
# app's .ts module and revision by Node's own type stripping and through tsx. Node 20 is the
# `node` on PATH when its major is 20; the others come from scripts/node-dist.sh. Needs
# hyperfine (apt-get install -y hyperfine) and dist/ (npm run build). Results as Markdown in
# bench/results/cli-startup-<version>.md; the figures are in bench/README.md.
#
# The command is `upgrade base:head --sql` on a PostgreSQL URL: it loads the app module and
# every revision and compiles their SQL, but opens no connection, so neither a database
# server nor a native driver built for the version is needed. `--help` loads no TypeScript:
# the floor of any command. "tsx" is what Node 20 always does and what 22/24 do with type
# stripping turned off (--no-experimental-strip-types): the CLI then registers tsx itself.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { echo "cli-startup: needs hyperfine: apt-get install -y hyperfine" >&2; exit 2; }
[ -f dist/cli/main.js ] || { echo "cli-startup: needs dist/: npm run build" >&2; exit 2; }
[ $# -gt 0 ] || set -- 20 22 24
mkdir -p bench/results

args='upgrade base:head --sql --app example-app/app.ts --url postgresql://bench@127.0.0.1:1/bench'
for version in "$@"; do
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$version" ]; then node=$(command -v node); else node="$(scripts/node-dist.sh "$version")/bin/node"; fi
  exact=$("$node" -p 'process.versions.node')
  strips=$("$node" -p 'String(process.features.typescript ?? false)')
  commands=(-n "Node $exact --help" "$node dist/cli/main.js --help")
  if [ "$strips" = false ]; then
    commands+=(-n "Node $exact app + revision through tsx" "$node dist/cli/main.js $args")
  else
    commands+=(-n "Node $exact app + revision by type stripping" "$node dist/cli/main.js $args")
    commands+=(-n "Node $exact app + revision through tsx" "$node --no-experimental-strip-types dist/cli/main.js $args")
  fi
  echo "== Node.js $exact (type stripping: $strips)"
  hyperfine --warmup 2 --runs "${CLI_STARTUP_RUNS:-15}" --export-markdown "bench/results/cli-startup-$exact.md" "${commands[@]}"
done
