#!/usr/bin/env bash
# Installs code-server (the VS Code server, its web workbench and the server-side
# Node extension host) from the npm registry, for the end-to-end tests. Nothing
# is downloaded from anywhere but the npm registry and Debian's apt.
#
#   usage: bash scripts/e2e/install-code-server.sh [PREFIX]
#          PREFIX defaults to <repo>/.vscode-test/code-server (gitignored)
#   env:   CS_VERSION  code-server version (default 4.100.3 = VS Code 1.100.3, runs on node 20)
#          SKIP_APT=1  never run apt-get, only report what is missing
#          FORCE=1     reinstall even when PREFIX already holds CS_VERSION
#
# Afterwards: PREFIX/node_modules/.bin/code-server
#
# code-server 4.100.x does not install cleanly offline; three workarounds below:
#   1. @vscode/ripgrep's postinstall fetches rg from GitHub: we pre-seed the
#      download cache it checks first with Debian's rg.
#   2. node-pty's postinstall runs `npx node-gyp`, refused when npm's `yes` is false.
#   3. code-server's postinstall refuses to run as root unless npm_config_unsafe_perm=true.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PREFIX=${1:-$REPO/.vscode-test/code-server}
CS_VERSION=${CS_VERSION:-4.100.3}
T0=$(date +%s)
log() { echo "[install-code-server] $*"; }
elapsed() { echo $(( $(date +%s) - T0 )); }

installed_version() {
  local pj="$PREFIX/node_modules/code-server/package.json"
  [ -f "$pj" ] && [ -f "$PREFIX/.installed" ] || return 0
  node -p "require('$pj').version" 2>/dev/null || true
}

if [ "${FORCE:-0}" != 1 ] && [ "$(installed_version)" = "$CS_VERSION" ]; then
  log "code-server $CS_VERSION already installed in $PREFIX (nothing to do, $(elapsed)s)"
  exit 0
fi

# ---------------------------------------------------------------- system packages
# What each tool is for:
#   krb5-config (libkrb5-dev): the `kerberos` native module of VS Code's server
#   rg (ripgrep):              replaces the binary @vscode/ripgrep would download
#   python3, make, g++:        node-gyp builds node-pty, spdlog, argon2, ... from source
#   chromium:                  the headless browser the tests drive (not needed to install)
missing=()
command -v krb5-config >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg          >/dev/null 2>&1 || missing+=(ripgrep)
command -v python3     >/dev/null 2>&1 || missing+=(python3)
command -v make        >/dev/null 2>&1 || missing+=(make)
command -v g++         >/dev/null 2>&1 || missing+=(g++)
{ command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; } || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "${SKIP_APT:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
      "${missing[@]}" ca-certificates
  else
    log "missing system packages: ${missing[*]}"
    log "install them first, e.g.: sudo apt-get install -y ${missing[*]}"
    # chromium alone is only needed to run the tests, not to install
    for m in "${missing[@]}"; do [ "$m" = chromium ] || exit 1; done
  fi
else
  log "system packages present (chromium, libkrb5-dev, ripgrep, python3, make, g++)"
fi
T1=$(date +%s)

# ---------------------------------------------------------------- npm install
mkdir -p "$PREFIX"
cd "$PREFIX"
rm -f .installed

# Workaround 1: @vscode/ripgrep 1.15.x's download.js first looks for
#   <os.tmpdir()>/vscode-ripgrep-cache-<pkg version>/ripgrep-<rg tag>-<target>.tar.gz
# A private TMPDIR keeps this cache (and npm's temp files) inside PREFIX. The
# package and rg tag pins vary between code-server releases, so cover the
# 1.15.x releases and the rg tags they have used.
PRIVATE_TMP="$PREFIX/.tmp"
mkdir -p "$PRIVATE_TMP"
RG_TGZ="$PRIVATE_TMP/rg.tar.gz"
STAGE=$(mktemp -d "$PRIVATE_TMP/stage.XXXXXX")
cp "$(command -v rg)" "$STAGE/rg"
tar czf "$RG_TGZ" -C "$STAGE" rg
rm -rf "$STAGE"
for pkgver in 1.15.9 1.15.10 1.15.11 1.15.12 1.15.13 1.15.14; do
  mkdir -p "$PRIVATE_TMP/vscode-ripgrep-cache-$pkgver"
  for tag in v13.0.0-4 v13.0.0-10 v13.0.0-13; do
    cp "$RG_TGZ" "$PRIVATE_TMP/vscode-ripgrep-cache-$pkgver/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz"
  done
done
export TMPDIR="$PRIVATE_TMP"

# Workaround 2: let node-pty's `npx node-gyp configure` fetch node-gyp (npm registry).
export npm_config_yes=true
# Build native modules against the local node headers, never download them.
if [ -z "${npm_config_nodedir:-}" ]; then
  NODE_PREFIX=$(dirname "$(dirname "$(command -v node)")")
  if [ -f "$NODE_PREFIX/include/node/node.h" ]; then export npm_config_nodedir="$NODE_PREFIX"; fi
fi
# Workaround 3: code-server 4.100's postinstall.sh checks this variable when run as
# root (npm 11 dropped the --unsafe-perm flag; the script reads the env var).
export npm_config_unsafe_perm=true

# A host package for the install; allowScripts names the packages whose install
# scripts must run, so a strict npm allow-scripts policy keeps working.
cat > package.json <<'JSON'
{
  "name": "code-server-host",
  "private": true,
  "description": "Local install of code-server for the end-to-end tests (scripts/e2e/install-code-server.sh)",
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
log "npm install code-server@$CS_VERSION into $PREFIX (node $(node --version), nodedir ${npm_config_nodedir:-default})"
npm install --no-audit --no-fund "code-server@$CS_VERSION"
T2=$(date +%s)

# --config /dev/null: otherwise code-server writes ~/.config/code-server/config.yaml
VERSION_LINE=$("$PREFIX/node_modules/.bin/code-server" --config /dev/null --version)
log "installed: $VERSION_LINE"
case "$VERSION_LINE" in
  "$CS_VERSION "*) ;;
  *) log "unexpected version output"; exit 1 ;;
esac
echo "$CS_VERSION" > .installed
rm -rf "$PRIVATE_TMP"
T3=$(date +%s)
echo "TIMING install-code-server: apt=$((T1-T0))s npm=$((T2-T1))s check=$((T3-T2))s total=$((T3-T0))s"
