# Shared helpers for the project's scripts: progress lines and installing what is missing.
# Sourced, not run.

FLATAPEX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export WRANGLER_SEND_METRICS=false
# The worker-build release that matches workers-rs in Cargo.lock.
WORKER_BUILD_VERSION=0.8.7

# seconds_since START: the time since START (an $EPOCHREALTIME) in seconds, to a tenth.
seconds_since() {
  local now=${EPOCHREALTIME/./} then=${1/./}
  local tenths=$(( (now - then) / 100000 ))
  printf '%d.%d' $((tenths / 10)) $((tenths % 10))
}

# step "what" command...: prints a header, runs, prints the time taken; stops on failure.
step() {
  local what=$1; shift
  local start=$EPOCHREALTIME
  printf '\n==> %s\n' "$what"
  if "$@"; then
    printf '    ok: %s (%ss)\n' "$what" "$(seconds_since "$start")"
  else
    local rc=$?
    printf '    FAILED: %s (exit %s, after %ss)\n' "$what" "$rc" "$(seconds_since "$start")" >&2
    exit "$rc"
  fi
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# ensure_apt PACKAGE...: installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "    installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_rust: the pinned toolchain (rust-toolchain.toml) with its wasm32 target.
ensure_rust() {
  command -v cargo >/dev/null || { echo "cargo is missing: install rustup first (https://rustup.rs)" >&2; return 1; }
  (cd "$FLATAPEX_ROOT" && rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install)
  (cd "$FLATAPEX_ROOT" && rustup target list --installed | grep -q wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown)
}

# free_port: a TCP/UDP port that is free on 127.0.0.1 right now.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wasm_bindgen_version: the wasm-bindgen version Cargo.lock pins (the CLI must match exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$FLATAPEX_ROOT/Cargo.lock"
}

# ensure_worker_toolchain: worker-build, wasm-bindgen-cli at Cargo.lock's wasm-bindgen version,
# and the npm packages of package-lock.json (ensure_npm_packages). Nothing is fetched
# from outside the package registries.
ensure_worker_toolchain() {
  ensure_rust || return 1
  local bin=${CARGO_HOME:-$HOME/.cargo}/bin
  if ! "$bin/worker-build" --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
    echo "    installing worker-build $WORKER_BUILD_VERSION (about a minute, once)"
    cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --quiet || return 1
  fi
  local wb; wb=$(wasm_bindgen_version)
  if ! "$bin/wasm-bindgen" --version 2>/dev/null | grep -q " $wb\$"; then
    # Not --locked: the CLI's own lock file pins a webpki-roots release the registry no longer
    # serves; cargo picks the newest compatible one instead.
    echo "    installing wasm-bindgen-cli $wb (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$wb" --quiet || return 1
  fi
  ensure_npm_packages
}

# ensure_npm_packages: node, and the npm packages package-lock.json pins (wrangler, esbuild,
# binaryen; the dashboard's preact, typescript and playwright-core).
ensure_npm_packages() {
  command -v node >/dev/null || ensure_apt nodejs npm || return 1
  npm_packages_current && return 0
  local modules=$FLATAPEX_ROOT/node_modules
  if [ -L "$modules" ]; then
    # npm ci empties node_modules first, which would empty a directory others share.
    echo "node_modules links to $(readlink -f "$modules"), which does not hold the versions package-lock.json pins: run npm ci there, or remove the link" >&2
    return 1
  fi
  echo "    installing npm packages (wrangler, esbuild, binaryen, preact, typescript, playwright-core) with npm ci"
  (cd "$FLATAPEX_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || return 1
}

# npm_packages_current: whether node_modules holds every package at the version
# package-lock.json pins (by content, not file times, which a fresh clone or worktree resets).
npm_packages_current() {
  node -e '
    const fs = require("fs"), path = require("path"), root = process.argv[1];
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
    for (const [where, pinned] of Object.entries(lock.packages)) {
      if (!where) continue;
      let version;
      try { version = JSON.parse(fs.readFileSync(path.join(root, where, "package.json"), "utf8")).version; }
      catch (e) { if (pinned.optional) continue; process.exit(1); }
      if (version !== pinned.version) process.exit(1);
    }' "$FLATAPEX_ROOT" 2>/dev/null
}

# inputs_hash PATH...: one hash over the names and contents of every file under PATH...
# (relative to the repository), so a build can tell it is fresh without running cargo.
inputs_hash() {
  (cd "$FLATAPEX_ROOT" && { find "$@" -type f -print0 2>/dev/null || true; } | LC_ALL=C sort -z \
    | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# fresh STAMP HASH OUTPUT...: whether STAMP holds HASH and every OUTPUT exists.
fresh() {
  local stamp=$1 hash=$2; shift 2
  [ "${FLATAPEX_REBUILD:-}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] || return 1
  for output in "$@"; do [ -e "$output" ] || return 1; done
}

# worker_env: what worker-build needs to use the local tools instead of downloading them.
worker_env() {
  export WASM_BINDGEN_BIN=${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen
  export ESBUILD_BIN=$FLATAPEX_ROOT/node_modules/.bin/esbuild
  export WASM_OPT_BIN=$FLATAPEX_ROOT/node_modules/.bin/wasm-opt
  export PATH=$FLATAPEX_ROOT/node_modules/.bin:$PATH
}

# knot_primary_conf DIR PORT DOMAIN ZONEFILE: a knotd configuration in DIR/knot.conf that
# serves DOMAIN from ZONEFILE (a path relative to DIR/..) on 127.0.0.1@PORT, one worker each.
knot_primary_conf() {
  local dir=$1 port=$2 domain=$3 file=$4
  mkdir -p "$dir"
  cat > "$dir/knot.conf" <<CONF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$dir/db"
template:
  - id: default
    storage: "$dir/.."
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $domain
    file: $file
CONF
}

# nsd_conf DIR PORT DOMAIN ZONEFILE: an nsd.conf in DIR that serves DOMAIN from ZONEFILE (an
# absolute path) on 127.0.0.1@PORT, one server process, no rate limiting (benchmarks).
nsd_conf() {
  local dir=$1 port=$2 domain=$3 file=$4
  mkdir -p "$dir"
  cat > "$dir/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$(dirname "$file")"
    pidfile: "$dir/nsd.pid"
    database: ""
    xfrdfile: "$dir/xfrd.state"
    zonelistfile: "$dir/zone.list"
    logfile: "$dir/nsd.log"
    rrl-ratelimit: 0
    hide-version: yes
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: $domain
    zonefile: "$file"
CONF
}

# dnsdist_doh_conf FILE BACKEND-PORT DOH-PORT [EXTRA-LUA]: dnsdist with a plain-HTTP DoH front
# (addDOHLocal without a certificate) on 127.0.0.1@DOH-PORT, forwarding to BACKEND-PORT.
dnsdist_doh_conf() {
  cat > "$1" <<CONF
setLocal('127.0.0.1:$(free_port)')
newServer({address='127.0.0.1:$2', healthCheckMode='lazy'})
addDOHLocal('127.0.0.1:$3', nil, nil, '/dns-query')
${4:-}
CONF
}

# scratch_dir: sets $work to a new temporary directory and $pids to an empty list; on exit,
# every process in $pids is stopped and $work removed. Clean-up may not fail (set -e would
# turn a killed child's status into the script's).
scratch_dir() {
  work=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}
