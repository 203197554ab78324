#!/usr/bin/env bash
# Times vod's signers against the vendors' official Python signers, same inputs, same run.
#
# Installs aliyun-python-sdk-core, alibabacloud-tea-openapi and wangsu-sdk-python from PyPI into a
# throwaway virtualenv, times our signers and the raw-HMAC floor with
#   cargo run --release --example sign_timing -- --json
# then times the SDKs' signers on the same inputs (benches/data/sign-inputs.json) with
# scripts/bench/sdk_signers.py, checks that every SDK signed to the same value as ours, and prints
# the figures, the ratios and PASS/MISS against the targets (<= 2 us per request, >= 50x faster
# than the official signer, <= 3x the raw HMAC floor). Timing never fails the script; a signature
# that differs from the SDK's does (then the two sides did not do the same work).
#
# This is a benchmark, not a test: it is not run by .ci/run. Results depend on the machine and its
# load; the script prints both. See BENCHMARKS.md.
#
# Needs python3 (with venv, or pip), network access to PyPI and a Rust toolchain.
#
# Usage: scripts/bench-sdk-signers.sh [--json-out FILE] [--millis-per-op N] [--keep]
#   --json-out FILE     also write every figure (both sides, ratios, verdicts) to FILE
#   --millis-per-op N   time budget per Rust operation (default 1500)
#   --keep              keep the temporary directory (virtualenv and JSON) for inspection
# Environment: CARGO_TARGET_DIR and other cargo variables are passed through.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
json_out=""
millis=1500
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --json-out) json_out="$2"; shift 2 ;;
        --millis-per-op) millis="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ -n "$json_out" ]]; then
    mkdir -p "$(dirname "$json_out")"
    json_out="$(cd "$(dirname "$json_out")" && pwd)/$(basename "$json_out")"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/vod-bench-sdk.XXXXXX")"
if [[ $keep -eq 1 ]]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi

machine() {
    local model
    model="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
    echo "machine: $(nproc) CPUs (${model:-unknown model}), $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}')"
}

echo "==> $(machine)"
echo "==> load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

venv="$work/venv"
# shellcheck source=lib/venv.sh
source "$root/scripts/lib/venv.sh"
make_venv "$venv" aliyun-python-sdk-core alibabacloud-tea-openapi wangsu-sdk-python

cd "$root"
echo "==> building the Rust side (release)"
cargo build -q --release --example sign_timing
echo "==> timing vod's signers and the raw-HMAC floor"
cargo run -q --release --example sign_timing -- --json --millis-per-op "$millis" \
    --inputs benches/data/sign-inputs.json > "$work/ours.json"

echo "==> timing the official SDKs' signers on the same inputs"
"$venv/bin/python" scripts/bench/sdk_signers.py --inputs benches/data/sign-inputs.json \
    --ours "$work/ours.json" ${json_out:+--json-out "$json_out"}

echo
echo "==> load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
