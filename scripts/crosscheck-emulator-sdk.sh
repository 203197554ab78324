#!/usr/bin/env bash
# Cross-checks vod-emulator against the vendors' official Python SDKs.
#
# Builds the vod-emulator binary, starts it on loopback (OS-chosen ports, read from what it
# prints) with a long-term and an STS test key, installs aliyun-python-sdk-core,
# aliyun-python-sdk-vod, alibabacloud-vod20170321 and wangsu-sdk-python from PyPI into a
# throwaway virtualenv, and runs scripts/crosscheck/emulator_sdk.py: the SDKs' requests must be
# accepted, and the same requests with one byte of the signature, secret, signed parameter or
# body, or timestamp changed (or replayed) rejected with the vendor's error. The emulator is
# stopped on exit, whatever happens.
#
# Needs only python3 (with venv or pip), network access to PyPI and a Rust toolchain. Respects
# an inherited CARGO_TARGET_DIR.
#
# Usage: scripts/crosscheck-emulator-sdk.sh [--keep]
#   --keep   keep the temporary directory (virtualenv, emulator output) for inspection
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

# Test keys only: the emulator accepts them and nothing else does.
key="xcheck-ak:xcheck-secret"
sts_key="STS.xcheck-sts-ak:xcheck-sts-secret:CAIS-xcheck-security-token"

start=$SECONDS
# shellcheck source=lib/emulator.sh
source "$root/scripts/lib/emulator.sh"
make_work vod-emulator-xcheck

echo "building vod-emulator"
cd "$root"
cargo build -q -p vod-emulator --bin vod-emulator
target_dir="$(cargo_target_dir "$root")"
emulator="$target_dir/debug/vod-emulator"
[[ -x "$emulator" ]] || { echo "no emulator binary at $emulator" >&2; exit 1; }

venv="$work/venv"
# shellcheck source=lib/venv.sh
source "$root/scripts/lib/venv.sh"
make_venv "$venv" aliyun-python-sdk-core aliyun-python-sdk-vod alibabacloud-vod20170321 wangsu-sdk-python

echo "starting $emulator"
start_emulator "$work" "$emulator" --storage digest --key "$key" --key "$sts_key"
echo "emulator up: Aliyun $aliyun_url, Wangsu $wangsu_url"

status=0
"$venv/bin/python" "$root/scripts/crosscheck/emulator_sdk.py" \
    --aliyun-url "$aliyun_url" --wangsu-url "$wangsu_url" --key "$key" --sts-key "$sts_key" || status=$?

if [[ $status -eq 0 ]]; then
    echo "crosscheck passed in $((SECONDS - start)) s"
else
    echo "crosscheck FAILED in $((SECONDS - start)) s; emulator stderr:" >&2
    tail -n 20 "$work/emulator.err" >&2 || true
fi
exit "$status"
