#!/usr/bin/env bash
# Cross-checks vod-wangsu's WS3/CNC signer against the official wangsu-sdk-python.
#
# Installs the SDK from PyPI into a throwaway virtualenv, has it sign random requests
# (scripts/crosscheck/wangsu_sign.py), then runs `cargo test -p vod-wangsu --test sdk_crosscheck`
# on the cases it wrote. Needs only python3 (with venv and pip), network access to PyPI, and Rust.
#
# Usage: scripts/crosscheck-wangsu-sign.sh [--fixture]
#   (default)   XCHECK_CASES random cases (default 1000) from XCHECK_SEED (default: random;
#               printed, so a failure can be replayed)
#   --fixture   regenerates the committed fixture crates/vod-wangsu/tests/data/sdk-crosscheck.json
#               (60 cases, seed 1) and tests against it
# Environment: WANGSU_SDK_VERSION pins the SDK version (default: newest); CARGO_TARGET_DIR and
# other cargo variables are passed through.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

mode=random
case "${1:-}" in
  "") ;;
  --fixture) mode=fixture ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "unknown argument: $1 (try --help)" >&2
    exit 2
    ;;
esac

if [[ $mode == fixture ]]; then
  cases=60
  seed=1
  out="$root/crates/vod-wangsu/tests/data/sdk-crosscheck.json"
else
  cases="${XCHECK_CASES:-1000}"
  seed="${XCHECK_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/vod-xcheck-wangsu.XXXXXX")"
trap 'rm -rf "$work"' EXIT
[[ $mode == fixture ]] || out="$work/cases.json"

start=$SECONDS
venv="$work/venv"
py="$venv/bin/python"
# shellcheck source=lib/venv.sh
source "$root/scripts/lib/venv.sh"
make_venv "$venv" "wangsu-sdk-python${WANGSU_SDK_VERSION:+==$WANGSU_SDK_VERSION}"

echo "==> SDK signs $cases random cases (seed $seed; replay with XCHECK_SEED=$seed)"
"$py" "$here/crosscheck/wangsu_sign.py" --cases "$cases" --seed "$seed" --out "$out"

echo "==> cargo test -p vod-wangsu --test sdk_crosscheck"
cd "$root"
if [[ $mode == fixture ]]; then
  # The test reads the committed fixture when the variable is unset.
  env -u VOD_XCHECK_WANGSU cargo test -p vod-wangsu --test sdk_crosscheck -- --nocapture
else
  VOD_XCHECK_WANGSU="$out" cargo test -p vod-wangsu --test sdk_crosscheck -- --nocapture
fi

echo "==> cross-check passed in $((SECONDS - start)) s"
