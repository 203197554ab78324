# shellcheck shell=bash
# Starting vod-emulator for a script: the cross-checks and the upload benchmark each run it in its
# own process on free loopback ports, and need the same things: a work directory that goes away
# with the emulator whatever happens, the binaries cargo built, the URLs it bound, and the
# certainty that it answers before the first request.

# make_work NAME: a fresh directory in TMPDIR, in $work, and traps that on exit, Ctrl-C (130) or
# TERM (143) stop the emulator start_emulator started and remove $work (kept, and said so, when
# the caller set keep=1).
make_work() {
    work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    emulator_pid=""
    trap stop_and_clean EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

stop_and_clean() {
    if [[ -n "${emulator_pid:-}" ]]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    if [[ "${keep:-0}" -eq 1 ]]; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
}

# cargo_target_dir ROOT: the workspace's target directory (CARGO_TARGET_DIR or a config may move it).
cargo_target_dir() {
    (cd "$1" && cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') \
        || echo "${CARGO_TARGET_DIR:-$1/target}"
}

# start_emulator WORK BIN [FLAG...]: starts BIN on free loopback ports for its four servers, with
# FLAGs after the addresses (explicit flags win over VOD_EMULATOR_* variables the caller may have
# inherited), its output in WORK/emulator.out and WORK/emulator.err. Returns once it printed its
# URLs and both API servers answer their unsigned admin path; sets emulator_pid, aliyun_url and
# wangsu_url. Fails, quoting the emulator's stderr, when it does not come up within 10 s.
start_emulator() {
    local work="$1" bin="$2"
    shift 2
    "$bin" --aliyun-addr 127.0.0.1:0 --wangsu-addr 127.0.0.1:0 --oss-addr 127.0.0.1:0 \
        --wangsu-upload-addr 127.0.0.1:0 "$@" \
        >"$work/emulator.out" 2>"$work/emulator.err" &
    emulator_pid=$!

    aliyun_url=""
    wangsu_url=""
    # It prints its VOD_EMULATOR_*_URL= lines and, last, VOD_EMULATOR_KEYS= once every server is
    # bound.
    local _
    for _ in $(seq 1 100); do
        if grep -q '^VOD_EMULATOR_KEYS=' "$work/emulator.out"; then
            aliyun_url="$(sed -n 's/^VOD_EMULATOR_ALIYUN_URL=//p' "$work/emulator.out")"
            wangsu_url="$(sed -n 's/^VOD_EMULATOR_WANGSU_URL=//p' "$work/emulator.out")"
            break
        fi
        kill -0 "$emulator_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$aliyun_url" || -z "$wangsu_url" ]]; then
        echo "the emulator did not print its URLs; its stderr:" >&2
        cat "$work/emulator.err" >&2
        return 1
    fi

    python3 - "$aliyun_url" "$wangsu_url" <<'PY' || { cat "$work/emulator.err" >&2; return 1; }
import sys, time, urllib.request
deadline = time.monotonic() + 10
for url in sys.argv[1:]:
    while True:
        try:
            with urllib.request.urlopen(url + "/__emulator/calls", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError as exc:
            if time.monotonic() > deadline:
                sys.exit(f"{url} does not answer: {exc}")
            time.sleep(0.1)
PY
}
