#!/usr/bin/env bash
# Cross-checks vod-emulator's upload hosts (OSS, Wangsu storage) against the vendors' own upload clients.
#
# Builds the vod-emulator binary, starts it on loopback (OS-chosen ports, read from what it
# prints) with a test key and a short --sts-ttl/--token-ttl, installs oss2 2.19.1,
# wcs-python3-sdk 5.0.36 and the VOD SDKs from PyPI into a throwaway virtualenv, and runs
# scripts/crosscheck/storage_sdk.py: CreateUploadVideo with the official VOD SDK, then oss2
# put_object and resumable_upload signed V1 and V4 with its STS key; getUploadToken with
# wangsu-sdk-python, then wcs-python3-sdk form and slice uploads with its token. Every stored
# object's MD5 (admin listing) must be the file's, and a wrong secret, another object key, an
# expired STS key, a tampered and an expired token must be refused. The emulator is stopped on
# exit, whatever happens.
#
# Needs only python3 (with venv or pip), network access to PyPI and a Rust toolchain. Respects
# an inherited CARGO_TARGET_DIR.
#
# Usage: scripts/crosscheck-storage-sdk.sh [--keep] [--storage dir|digest]
#   --keep      keep the temporary directory (virtualenv, emulator output, stored objects)
#   --storage   what the emulator keeps: the objects' bytes (dir, the default) or only their
#               digests (digest: multipart parts are folded in order, see vod-emulator's storage
#               module)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keep=0
storage=dir
while [[ $# -gt 0 ]]; do
    case "$1" in
        --keep) keep=1; shift ;;
        --storage)
            [[ "${2:-}" == dir || "${2:-}" == digest ]] || { echo "--storage takes dir or digest" >&2; exit 2; }
            storage=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

# Test keys only: the emulator accepts them and nothing else does.
key="xcheck-ak:xcheck-secret"
# Long enough for one upload, short enough to wait out once.
ttl=20

start=$SECONDS
# shellcheck source=lib/emulator.sh
source "$root/scripts/lib/emulator.sh"
make_work vod-storage-xcheck

echo "building vod-emulator"
cd "$root"
cargo build -q -p vod-emulator --bin vod-emulator
target_dir="$(cargo_target_dir "$root")"
emulator="$target_dir/debug/vod-emulator"
[[ -x "$emulator" ]] || { echo "no emulator binary at $emulator" >&2; exit 1; }

venv="$work/venv"
# shellcheck source=lib/venv.sh
source "$root/scripts/lib/venv.sh"
# emulator_sdk.py (whose helpers storage_sdk.py reuses) imports all four VOD SDKs.
make_venv "$venv" oss2==2.19.1 wcs-python3-sdk==5.0.36 \
    aliyun-python-sdk-core aliyun-python-sdk-vod alibabacloud-vod20170321 wangsu-sdk-python

echo "starting $emulator (storage: $storage)"
storage_args=(--storage digest)
[[ $storage == dir ]] && storage_args=(--storage-dir "$work/storage")
start_emulator "$work" "$emulator" --key "$key" "${storage_args[@]}" \
    --sts-ttl "$ttl" --token-ttl "$ttl"
echo "emulator up: Aliyun $aliyun_url, Wangsu $wangsu_url"

status=0
"$venv/bin/python" "$root/scripts/crosscheck/storage_sdk.py" \
    --aliyun-url "$aliyun_url" --wangsu-url "$wangsu_url" --key "$key" --ttl "$ttl" || status=$?

if [[ $status -eq 0 ]]; then
    echo "crosscheck passed in $((SECONDS - start)) s"
else
    echo "crosscheck FAILED in $((SECONDS - start)) s; emulator stderr:" >&2
    tail -n 20 "$work/emulator.err" >&2 || true
fi
exit "$status"
