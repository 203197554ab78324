#!/usr/bin/env bash
# Cross-checks vod-aliyun's request signing against Aliyun's official Python SDKs.
#
# Installs aliyun-python-sdk-core, alibabacloud-tea-openapi and alibabacloud-openapi-util
# from PyPI into a throwaway virtualenv, has scripts/crosscheck/aliyun_sign.py sign random
# cases with the SDKs' own signers, then runs
#   cargo test -p vod-aliyun --test sdk_crosscheck
# on them (through VOD_XCHECK_ALIYUN). Any difference fails.
#
# Needs only python3 (with venv or pip), network access to PyPI and a Rust toolchain.
#
# Usage: scripts/crosscheck-aliyun-sign.sh [--cases N] [--seed N] [--long-max N] [--out FILE] [--keep]
#        scripts/crosscheck-aliyun-sign.sh --write-fixture
#   --cases N        random cases per signature kind (default 1000, so 2000 in all)
#   --seed N         random seed (default: a new one each run, printed for re-runs)
#   --out FILE       keep the generated cases in FILE (default: inside the temporary dir)
#   --keep           keep the temporary directory (virtualenv and cases) for inspection
#   --long-max N     longest "long" value in characters, binary body in bytes (default 3000)
#   --write-fixture  regenerate crates/vod-aliyun/tests/data/sdk-crosscheck.json
#                    (30 + 30 cases, seed 20240102, long values up to 300) and check it
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cases=1000
seed="$(( (RANDOM << 15) | RANDOM ))"
out=""
keep=0
long_max=3000

while [[ $# -gt 0 ]]; do
    case "$1" in
        --cases) cases="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --long-max) long_max="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --write-fixture)
            cases=30; seed=20240102; long_max=300
            out="$root/crates/vod-aliyun/tests/data/sdk-crosscheck.json"
            shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

start=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/vod-aliyun-xcheck.XXXXXX")"
if [[ $keep -eq 1 ]]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
[[ -n "$out" ]] || out="$work/cases.json"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

venv="$work/venv"
# shellcheck source=lib/venv.sh
source "$root/scripts/lib/venv.sh"
make_venv "$venv" aliyun-python-sdk-core alibabacloud-tea-openapi alibabacloud-openapi-util

echo "signing $cases RPC and $cases ACS3 random cases with the official SDKs (seed $seed)"
"$venv/bin/python" "$root/scripts/crosscheck/aliyun_sign.py" --cases "$cases" --seed "$seed" \
    --long-max "$long_max" --out "$out"

echo "comparing with vod-aliyun"
cd "$root"
VOD_XCHECK_ALIYUN="$out" cargo test -q -p vod-aliyun --test sdk_crosscheck -- --nocapture

echo "crosscheck passed in $((SECONDS - start)) s (seed $seed)"
