#!/usr/bin/env python3
"""Times the vendors' official Python signers on benches/data/sign-inputs.json and compares.

Run by scripts/bench-sdk-signers.sh inside a throwaway virtualenv holding aliyun-python-sdk-core,
alibabacloud-tea-openapi and wangsu-sdk-python. The script hands it our own timings (the JSON
that `cargo run --release --example sign_timing -- --json` prints, measured in the same run on
the same inputs); this program times the SDKs, checks that every SDK produced the same
signature as ours from the same bytes (so both sides did the same work), and prints a table, the
ratios and PASS/MISS against the targets. It fails only when outputs differ, never on timing.

What is timed on the SDK side (the narrowest public or module-level call that turns the request
into its signature, so the comparison is like for like; building the inputs is outside):

  RPC   aliyun-python-sdk-core  rpc_signature_composer.__compose_string_to_sign + __get_signature
                                (what get_signed_url calls to sign)
  RPC   alibabacloud-tea-openapi Utils.get_rpcsignature(params, method, secret)
  ACS3  alibabacloud-tea-openapi Utils.get_authorization(request, "ACS3-HMAC-SHA256", payload
                                hash, ak, secret) (the SDK hashes the body before this call; the
                                body is empty here, and our signer hashes it inside)
  WS3   wangsu-sdk-python       AkSkAuth.get_signature + gen_authorization(get_signed_headers)

For information, not compared with a target: aliyun-python-sdk-core's whole get_signed_url (it
also adds the common parameters, SignatureType too, and encodes the URL, so its signature
differs), and Python's own hmac over the same bytes as our floor.

Method: timeit, auto-ranged to about 0.2 s per repeat, REPEATS repeats; the figure is the
median repeat in ns per call, with the fastest beside it.
"""

import argparse
import hashlib
import hmac
import importlib.metadata
import json
import platform
import sys
import timeit
import types

from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.utils import parameter_helper
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from wangsu.common.Constant.Constant import Constant
from wangsu.common.auth.AkSkAuth import AkSkAuth
from wangsu.common.auth.HttpRequestMsg import HttpRequestMsg

ACS3 = "ACS3-HMAC-SHA256"
REPEATS = 7

# Targets from the benchmark issue.
MAX_OURS_NS = 2000.0
MIN_SPEEDUP = 50.0
MAX_OVER_FLOOR = 3.0


def measure(fn):
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()  # at least 0.2 s per repeat
    runs = sorted(t / number * 1e9 for t in timer.repeat(repeat=REPEATS, number=number))
    return {"median_ns": runs[len(runs) // 2], "min_ns": runs[0]}


def rpc_signers(case):
    method, params, secret = case["method"], case["params"], case["access_key_secret"]
    compose = getattr(rpc_signature_composer, "__compose_string_to_sign")
    get_signature = getattr(rpc_signature_composer, "__get_signature")

    def core():
        return get_signature(compose(method, params), secret)

    def tea():
        return TeaUtils.get_rpcsignature(params, method, secret)

    # The full entry point, with its clock and nonce pinned to the inputs' values.
    operation = {k: v for k, v in params.items() if k not in {
        "AccessKeyId", "Format", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp"}}
    parameter_helper.get_iso_8061_date = lambda: params["Timestamp"]
    parameter_helper.get_uuid = lambda: params["SignatureNonce"]

    def core_full():
        return rpc_signature_composer.get_signed_url(
            dict(operation), params["AccessKeyId"], secret, "JSON", method, {})[0]

    key = (secret + "&").encode()
    data = compose(method, params).encode()

    def py_floor():
        return hmac.new(key, data, hashlib.sha1).digest()

    return [
        ("aliyun-python-sdk-core", "compose string to sign + HMAC-SHA1", core, True),
        ("alibabacloud-tea-openapi", "Utils.get_rpcsignature", tea, True),
        ("aliyun-python-sdk-core", "get_signed_url (adds common params, builds URL)", core_full, False),
        ("python hmac", "HMAC-SHA1 over the string to sign", py_floor, False),
    ]


def acs3_signers(case):
    request = types.SimpleNamespace(
        method=case["method"], pathname=case["path"], query=dict(case["query"]),
        headers=dict(case["headers"]))
    body = case["body"].encode()
    payload = hashlib.sha256(body).hexdigest()
    ak, secret = case["access_key_id"], case["access_key_secret"]

    def tea():
        return TeaUtils.get_authorization(request, ACS3, payload, ak, secret)

    return [("alibabacloud-tea-openapi", "Utils.get_authorization", tea, True)]


def ws3_signers(case):
    Constant.HEAD_SIGN_ALGORITHM = "WS3-HMAC-SHA256"
    msg = HttpRequestMsg()
    msg.method = case["method"]
    msg.uri = case["path"]
    msg.headers = {name: value for name, value in case["headers"]}
    msg.signed_headers = case["signed_headers"] or None
    msg.body = case["body"]
    ak, sk, ts = case["access_key"], case["secret_key"], str(case["timestamp"])

    def sdk():
        signature = AkSkAuth.get_signature(msg, sk, ts)
        return AkSkAuth.gen_authorization(ak, AkSkAuth.get_signed_headers(msg.signed_headers), signature)

    return [("wangsu-sdk-python", "AkSkAuth.get_signature + gen_authorization", sdk, True)]


def fmt_ns(ns):
    return "%.2f us" % (ns / 1000) if ns >= 1000 else "%.0f ns" % ns


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", required=True, help="benches/data/sign-inputs.json")
    parser.add_argument("--ours", required=True, help="JSON printed by the sign_timing example")
    parser.add_argument("--json-out", help="also write every figure to this file")
    args = parser.parse_args()

    with open(args.inputs, encoding="utf-8") as f:
        inputs = json.load(f)
    with open(args.ours, encoding="utf-8") as f:
        ours = json.load(f)["ops"]

    versions = {d: importlib.metadata.version(d) for d in
                ["aliyun-python-sdk-core", "alibabacloud-tea-openapi", "wangsu-sdk-python"]}
    print("Python %s (%s); %s" % (platform.python_version(), platform.python_implementation(),
                                  ", ".join("%s %s" % kv for kv in versions.items())))

    sections = [
        ("RPC HMAC-SHA1, CreateUploadVideo", "rpc", rpc_signers(inputs["rpc"])),
        ("ACS3-HMAC-SHA256, CreateUploadVideo", "acs3", acs3_signers(inputs["acs3"])),
        ("WS3-HMAC-SHA256, getUploadToken", "ws3", ws3_signers(inputs["ws3"])),
    ]

    mismatches = []
    verdicts = []
    report = {"python": platform.python_version(), "sdk_versions": versions, "sections": {}}
    for title, key, signers in sections:
        our = ours[key]
        floor = ours[key + "_floor"]
        print("\n%s" % title)
        print("  %-26s %-50s %11s %11s %9s" % ("signer", "call", "median", "fastest", "vs ours"))
        print("  %-26s %-50s %11s %11s %9s" % ("vod (Rust)", our["what"], fmt_ns(our["median_ns"]),
                                              fmt_ns(our["min_ns"]), "1x"))
        print("  %-26s %-50s %11s %11s %9s" % ("floor (Rust)", floor["what"], fmt_ns(floor["median_ns"]),
                                              fmt_ns(floor["min_ns"]),
                                              "%.2fx" % (floor["median_ns"] / our["median_ns"])))
        rows = []
        for package, call, fn, compared in signers:
            output = fn()
            if compared and output != our["output"]:
                mismatches.append("%s %s: SDK gave %r, ours %r" % (key, package, output, our["output"]))
            t = measure(fn)
            ratio = t["median_ns"] / our["median_ns"]
            rows.append({"package": package, "call": call, "compared": compared, "ratio": ratio, **t})
            print("  %-26s %-50s %11s %11s %8.0fx%s" % (package, call, fmt_ns(t["median_ns"]),
                                                        fmt_ns(t["min_ns"]), ratio,
                                                        "" if compared else "  (info)"))
        report["sections"][key] = {"ours": our, "floor": floor, "sdk": rows}

        verdicts.append((key, "ours <= 2 us", fmt_ns(our["median_ns"]), our["median_ns"] <= MAX_OURS_NS))
        over = our["median_ns"] / floor["median_ns"]
        verdicts.append((key, "ours <= 3x raw HMAC floor", "%.2fx" % over, over <= MAX_OVER_FLOOR))
        for row in rows:
            if row["compared"]:
                verdicts.append((key, ">= 50x faster than %s" % row["package"], "%.0fx" % row["ratio"],
                                 row["ratio"] >= MIN_SPEEDUP))

    print("\nTargets (medians; printed, never failing)")
    for key, target, value, ok in verdicts:
        print("  %-5s %-52s %9s  %s" % (key, target, value, "PASS" if ok else "MISS"))
    report["verdicts"] = [{"signature": k, "target": t, "value": v, "pass": ok} for k, t, v, ok in verdicts]

    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)

    if mismatches:
        print("\nERROR: the SDKs and vod signed the same inputs differently, so the timings do not "
              "compare the same work:", file=sys.stderr)
        for m in mismatches:
            print("  " + m, file=sys.stderr)
        sys.exit(1)
    print("\nEvery compared SDK produced the same signature as vod from the same bytes.")


if __name__ == "__main__":
    main()
