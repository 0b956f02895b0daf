# Shared helpers for the project's scripts: progress lines and installing what is missing.
# Sourced, not run.

FLATAPEX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export WRANGLER_SEND_METRICS=false

# step "what" command...: prints a header, runs, prints the time taken; stops on failure.
step() {
  local what=$1; shift
  local start=$SECONDS
  printf '\n==> %s\n' "$what"
  if "$@"; then
    printf '    ok: %s (%ss)\n' "$what" $((SECONDS - start))
  else
    local rc=$?
    printf '    FAILED: %s (exit %s)\n' "$what" "$rc" >&2
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
