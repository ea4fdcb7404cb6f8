#!/usr/bin/env bash
# Usage: bench/cli-startup.sh            the start-up of three commands with the `node` on PATH
#        bench/cli-startup.sh VERSION... (e.g. 20 22 24) type stripping against tsx per Node.js version
#
# Without arguments: `--help`, and `current` on SQLite with the app module of bench/cli-app
# compiled (app.js) and in TypeScript (app.ts), median of CLI_STARTUP_RUNS runs (default 15)
# after 2 warm-ups, with hyperfine when it is installed (apt-get install -y hyperfine), else a
# loop timed with `date +%s%N`. The database is a temp file brought to head first. Prints the
# load average before and after: on a busy machine wall times move a lot.
#
# With versions: how long the CLI takes to start on each Node.js version, loading the example
# app's .ts module and revision by Node's own type stripping and through tsx. Node 20 is the
# `node` on PATH when its major is 20; the others come from scripts/node-dist.sh. Needs
# hyperfine. Results as Markdown in bench/results/cli-startup-<version>.md.
#
# The command is `upgrade base:head --sql` on a PostgreSQL URL: it loads the app module and
# every revision and compiles their SQL, but opens no connection, so neither a database
# server nor a native driver built for the version is needed. `--help` loads no TypeScript:
# the floor of any command. "tsx" is what Node 20 always does and what 22/24 do with type
# stripping turned off (--no-experimental-strip-types): the CLI then registers tsx itself.
# The figures of both are in bench/README.md (npm run build first: this times dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f dist/cli/main.js ] || { echo "cli-startup: needs dist/: npm run build" >&2; exit 2; }
runs=${CLI_STARTUP_RUNS:-15}

if [ $# -eq 0 ]; then
  db=$(mktemp -d)/cli-startup.db
  export DATABASE_URL="sqlite:///$db"
  node dist/cli/main.js upgrade --app bench/cli-app/app.js >/dev/null
  names=("fastify-orm --help" "current, compiled .js app" "current, .ts app")
  commands=("node dist/cli/main.js --help" "node dist/cli/main.js current --app bench/cli-app/app.js" "node dist/cli/main.js current --app bench/cli-app/app.ts")
  echo "== Node.js $(node -p 'process.versions.node'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if command -v hyperfine >/dev/null; then
    args=()
    for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${commands[$i]}"); done
    hyperfine -N --warmup 2 --runs "$runs" --export-json "$(dirname "$db")/cli-startup.json" "${args[@]}"
    node -e '
      const { results } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))
      for (const r of results) console.log(`${r.command.padEnd(28)} median ${r.median.toFixed(3)} s  min ${r.min.toFixed(3)} s  CPU (user + sys, mean) ${(r.user + r.system).toFixed(3)} s`)
    ' "$(dirname "$db")/cli-startup.json"
  else
    for i in "${!names[@]}"; do
      times=()
      for run in $(seq $((runs + 2))); do
        start=$(date +%s%N); ${commands[$i]} >/dev/null; end=$(date +%s%N)
        [ "$run" -le 2 ] || times+=($(( (end - start) / 1000000 )))
      done
      sorted=($(printf '%s\n' "${times[@]}" | sort -n))
      printf '%-28s median %s ms  min %s ms  (%s runs)\n' "${names[$i]}" "${sorted[$(( ${#sorted[@]} / 2 ))]}" "${sorted[0]}" "$runs"
    done
  fi
  echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "$(dirname "$db")"
  exit 0
fi

command -v hyperfine >/dev/null || { echo "cli-startup: needs hyperfine: apt-get install -y hyperfine" >&2; exit 2; }
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
  hyperfine --warmup 2 --runs "$runs" --export-markdown "bench/results/cli-startup-$exact.md" "${commands[@]}"
done
