#!/usr/bin/env bash
# Upload speed: vod's uploader against the vendors' official uploaders and the bare floor, on the
# same file and the same emulator, in one run (issue 14).
#
# Builds, in release mode, vod-emulator, the `vod` command and examples/upload_floor.rs; installs
# oss2 2.19.1, wcs-python3-sdk 5.0.36 and the VOD SDKs that issue their credentials
# (aliyun-python-sdk-vod, wangsu-sdk-python) into a throwaway virtualenv; starts the emulator in
# its own process in digest mode (it keeps checksums, not bytes) on free loopback ports; writes a
# file of random bytes into a temporary directory; and runs scripts/bench/upload.py, which
# uploads it with every uploader in turn, each in a process of its own:
#
#   disk      cat FILE > /dev/null
#   floor     one bare reqwest PUT of the whole file, streamed from disk, signed before its timer
#   oss2      resumable_upload (10 MiB parts, V4) with num_threads 1 and 4; put_object
#   wcs       wcs-python3-sdk's slice upload (4 MiB blocks, concurrency 4)
#   vod       vod upload FILE --concurrency 1/4/8 --json, and at its defaults, for both vendors:
#             only when this build's `vod upload --help` succeeds; otherwise the rows say
#             "not available in this build"
#
# Per uploader: MB/s, CPU seconds per GiB and peak RSS of the uploader process, the emulator's
# CPU per GiB and peak RSS; medians of alternating rounds. Every run must leave an object whose
# MD5 in the emulator's listing is the file's: a run that stored other bytes is not a result, and
# the script exits 1. Then the verdicts of the issue's targets (PASS, MISS, or n/a with why).
# Everything started here is stopped on exit, whatever happens.
#
# This is a benchmark, not a test: it is not run by .ci/run. Figures depend on the machine and its
# load (printed at the start and the end). See BENCHMARKS.md.
#
# Needs python3 (with venv, or pip), network access to PyPI, a Rust toolchain, GNU time (installed
# with apt-get when missing and allowed) and free space for the file in TMPDIR.
#
# Usage: scripts/bench-upload.sh [--full] [--size SIZE] [--runs N] [--vod-part-sizes LIST] [--only LIST]
#                                [--profile LIST] [--json-out FILE] [--keep]
#   --full            a 1 GiB file (default: 256 MiB, a quick run)
#   --size SIZE       another size: bytes or a number with KiB, MiB or GiB (e.g. 32MiB, to try
#                     the script out)
#   --runs N          rounds (default 3; fewer are not results)
#   --vod-part-sizes LIST  also run vod upload with each of these part sizes (e.g. 4MiB,16MiB) at
#                     its default concurrency, to choose the default part size
#   --only LIST       only the rows whose names contain one of these comma-separated words
#                     (e.g. floor,oss2); for development
#   --profile LIST    after the rounds, run each row whose name contains one of these words once
#                     more under `perf record` (uploader and emulator), not counted in the table,
#                     and print each side's hottest symbols (needs perf: Debian's linux-perf)
#   --json-out FILE   also write every run and verdict to FILE
#   --keep            keep the temporary directory (file, virtualenv, each run's output)
# Environment: CARGO_TARGET_DIR and other cargo variables are passed through.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size_text=256MiB
runs=3
only=""
part_sizes=""
profile=""
json_out=""
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --size|--runs|--only|--vod-part-sizes|--profile|--json-out)
            [[ $# -ge 2 ]] || { echo "$1 needs a value (see --help)" >&2; exit 2; } ;;
    esac
    case "$1" in
        --full) size_text=1GiB; shift ;;
        --size) size_text="${2:-}"; shift 2 ;;
        --runs) runs="${2:-}"; shift 2 ;;
        --only) only="${2:-}"; shift 2 ;;
        --vod-part-sizes) part_sizes="${2:-}"; shift 2 ;;
        --profile) profile="${2:-}"; shift 2 ;;
        --json-out) json_out="${2:-}"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

size_bytes() {
    local n unit
    [[ "$1" =~ ^([0-9]+)(B|KiB|MiB|GiB)?$ ]] || return 1
    n=${BASH_REMATCH[1]}
    unit=${BASH_REMATCH[2]}
    case "$unit" in
        ""|B) echo "$n" ;;
        KiB) echo $((n * 1024)) ;;
        MiB) echo $((n * 1024 * 1024)) ;;
        GiB) echo $((n * 1024 * 1024 * 1024)) ;;
    esac
}
size="$(size_bytes "$size_text")" || { echo "--size: expected bytes or a number with KiB, MiB or GiB (got '$size_text')" >&2; exit 2; }
[[ "$size" -gt 0 ]] || { echo "--size: must be more than 0 bytes" >&2; exit 2; }
IFS=, read -r -a part_size_list <<< "$part_sizes"
for part_size in "${part_size_list[@]}"; do
    size_bytes "$part_size" >/dev/null || { echo "--vod-part-sizes: expected sizes such as 4MiB,16MiB (got '$part_size')" >&2; exit 2; }
done
if [[ -n "$profile" ]] && ! command -v perf >/dev/null; then
    echo "--profile needs perf (Debian: apt-get install linux-perf)" >&2
    exit 2
fi
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "--runs: expected a whole number of at least 1 (got '$runs')" >&2; exit 2; }
if [[ -n "$json_out" ]]; then
    mkdir -p "$(dirname "$json_out")"
    json_out="$(cd "$(dirname "$json_out")" && pwd)/$(basename "$json_out")"
fi

# Test keys only: the emulator accepts them and nothing else does.
key="bench-ak:bench-secret"

# shellcheck source=lib/emulator.sh
source "$root/scripts/lib/emulator.sh"
make_work vod-bench-upload

machine() {
    local model
    model="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
    echo "machine: $(nproc) CPUs (${model:-unknown model}), $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}'), $(uname -sr)"
}
echo "==> $(machine)"
echo "==> commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# GNU time reports each uploader's peak RSS (see scripts/bench/upload.py for why not wait4's).
gnu_time=/usr/bin/time
if ! "$gnu_time" --version 2>&1 | grep -q GNU; then
    echo "==> installing GNU time (apt-get install time)"
    sudo_=()
    [[ $(id -u) -eq 0 ]] || sudo_=(sudo -n)
    if command -v apt-get >/dev/null \
        && "${sudo_[@]}" apt-get install -y -q time >/dev/null 2>&1 \
        && "$gnu_time" --version 2>&1 | grep -q GNU; then
        :
    else
        echo "GNU time is needed at $gnu_time (Debian/Ubuntu: apt-get install time)" >&2
        exit 1
    fi
fi

cd "$root"
echo "==> building vod-emulator, vod and examples/upload_floor.rs (release)"
cargo build -q --release -p vod-emulator --bin vod-emulator -p vod-cli --bin vod
cargo build -q --release --example upload_floor
target_dir="$(cargo_target_dir "$root")"
emulator="$target_dir/release/vod-emulator"
vod="$target_dir/release/vod"
floor="$target_dir/release/examples/upload_floor"
for binary in "$emulator" "$vod" "$floor"; do
    [[ -x "$binary" ]] || { echo "no binary at $binary" >&2; exit 1; }
done
if "$vod" upload --help >/dev/null 2>&1; then
    echo "==> vod upload: present"
else
    echo "==> vod upload: not available in this build (its rows are skipped)"
fi

venv="$work/venv"
# shellcheck source=lib/venv.sh
source "$root/scripts/lib/venv.sh"
make_venv "$venv" oss2==2.19.1 wcs-python3-sdk==5.0.36 aliyun-python-sdk-core aliyun-python-sdk-vod \
    wangsu-sdk-python

echo "==> writing $size bytes of random data"
head -c "$size" /dev/urandom > "$work/upload.mp4"

echo "==> starting $emulator (digest storage)"
# Digest mode spools parts that arrive ahead of their predecessors into TMPDIR: keep them in the
# work directory too.
TMPDIR="$work" start_emulator "$work" "$emulator" --key "$key" --storage digest
echo "==> emulator up: Aliyun $aliyun_url, Wangsu $wangsu_url (pid $emulator_pid)"

echo "==> load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$venv/bin/python" "$root/scripts/bench/upload.py" \
    --aliyun-url "$aliyun_url" --wangsu-url "$wangsu_url" --key "$key" \
    --emulator-pid "$emulator_pid" --file "$work/upload.mp4" --work "$work" \
    --floor "$floor" --vod "$vod" --time "$gnu_time" --runs "$runs" \
    ${only:+--only "$only"} ${part_sizes:+--vod-part-sizes "$part_sizes"} \
    ${profile:+--profile "$profile" --perf "$(command -v perf)"} \
    ${json_out:+--json-out "$json_out"} || status=$?
echo
echo "==> load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "the emulator stopped during the run; its stderr:" >&2
    tail -n 20 "$work/emulator.err" >&2 || true
    status=1
fi
exit "$status"
