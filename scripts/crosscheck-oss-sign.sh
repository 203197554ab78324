#!/usr/bin/env bash
# Cross-checks vod-aliyun's OSS request signing (V1 and V4) and URLs against oss2, Aliyun's
# official OSS SDK for Python.
#
# Installs oss2 2.19.1 (the version the shared OSS vectors were made with) from PyPI into a
# throwaway virtualenv, has scripts/crosscheck/oss_sign.py sign random requests with oss2's
# own signers and URL builder, then runs
#   cargo test -p vod-aliyun --test oss_crosscheck
# on them (through VOD_XCHECK_OSS). Any difference fails.
#
# Needs only python3 (with venv or pip), network access to PyPI and a Rust toolchain.
#
# Usage: scripts/crosscheck-oss-sign.sh [--cases N] [--seed N] [--out FILE] [--keep]
#        scripts/crosscheck-oss-sign.sh --write-fixture
#   --cases N        random cases per signature version (default 1000, so 2000 in all)
#   --seed N         random seed (default: a new one each run, printed for re-runs)
#   --out FILE       keep the generated cases in FILE (default: inside the temporary dir)
#   --keep           keep the temporary directory (virtualenv and cases) for inspection
#   --write-fixture  regenerate crates/vod-aliyun/tests/data/oss-crosscheck.json
#                    (40 + 40 cases, seed 20240102) and check it
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cases=1000
seed="$(( (RANDOM << 15) | RANDOM ))"
out=""
keep=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --cases) cases="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --write-fixture)
            cases=40; seed=20240102
            out="$root/crates/vod-aliyun/tests/data/oss-crosscheck.json"
            shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

start=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/vod-oss-xcheck.XXXXXX")"
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
make_venv "$venv" oss2==2.19.1

echo "signing $cases V1 and $cases V4 random OSS requests with oss2 (seed $seed)"
"$venv/bin/python" "$root/scripts/crosscheck/oss_sign.py" --cases "$cases" --seed "$seed" --out "$out"

echo "comparing with vod-aliyun"
cd "$root"
VOD_XCHECK_OSS="$out" cargo test -q -p vod-aliyun --test oss_crosscheck -- --nocapture

echo "crosscheck passed in $((SECONDS - start)) s (seed $seed)"
