#!/usr/bin/env python3
"""Random WS3/CNC signing cases, signed by the official wangsu-sdk-python.

Generates random requests (GET with queries, POST and PUT with Unicode JSON or form bodies,
random header-name and value case, both algorithm names, random timestamps and keys), signs
each with the SDK's own signer `wangsu.common.auth.AkSkAuth.AkSkAuth.get_signature` and
`gen_authorization`, and writes cases and results as JSON for
`crates/vod-wangsu/tests/sdk_crosscheck.rs`.

How the SDK is driven (read from its source, version 1.0.0):
- The algorithm name is the class attribute `Constant.HEAD_SIGN_ALGORITHM`, read when signing
  (the SDK itself only ever uses CNC-HMAC-SHA256); it is set per case.
- `get_signature(request_msg, secret_key, timestamp)` takes the path from `uri` before `?`, the
  query from `urlparse(uri).query` (empty for POST) passed through `unquote`, header values from
  `request_msg.headers`, and the body string (UTF-8) for POST and PUT only.
- It returns only the signature. The canonical request and the string to sign are captured by
  temporarily replacing the `hashlib` and `hmac` names inside the SDK module with recorders that
  forward to the real ones; each case is also signed without them and must give the same result.

Usage: wangsu_sign.py --cases N --seed S --out FILE
"""

import argparse
import hashlib
import hmac
import importlib
import importlib.metadata
import json
import random
import sys
import urllib.parse

try:
    aksk_module = importlib.import_module("wangsu.common.auth.AkSkAuth")
    from wangsu.common.auth.HttpRequestMsg import HttpRequestMsg
    from wangsu.common.Constant.Constant import Constant
except ImportError as exc:  # pragma: no cover - run through the shell script
    sys.exit(f"wangsu-sdk-python is not importable ({exc}); run scripts/crosscheck-wangsu-sign.sh")

AkSkAuth = aksk_module.AkSkAuth

ALGORITHMS = ["WS3-HMAC-SHA256", "CNC-HMAC-SHA256"]
KEY_HEADERS = {
    "WS3-HMAC-SHA256": ("X-WS-AccessKey", "X-WS-Timestamp"),
    "CNC-HMAC-SHA256": ("x-cnc-accessKey", "x-cnc-timestamp"),
}


# --------------------------------------------------------------------------------------------
# Recording the SDK's intermediate strings.


class RecordingHashlib:
    """Stands in for `hashlib` inside the SDK module: records what is hashed."""

    def __init__(self):
        self.inputs = []

    def sha256(self, data=b""):
        self.inputs.append(bytes(data))
        return hashlib.sha256(data)

    def __getattr__(self, name):
        return getattr(hashlib, name)


class RecordingHmac:
    """Stands in for `hmac` inside the SDK module: records the message."""

    def __init__(self, recording_hashlib):
        self.messages = []
        self.recording_hashlib = recording_hashlib

    def new(self, key, msg=None, digestmod=None):
        self.messages.append(bytes(msg))
        if digestmod == self.recording_hashlib.sha256:
            digestmod = hashlib.sha256
        return hmac.new(key, msg, digestmod)

    def __getattr__(self, name):
        return getattr(hmac, name)


def sdk_sign(case):
    """Signs one case with the SDK; returns its canonical request, string to sign, signature
    and authorization."""
    Constant.HEAD_SIGN_ALGORITHM = case["alg"]

    def request_msg():
        msg = HttpRequestMsg()
        msg.method = case["method"]
        msg.uri = case["path"] + ("?" + case["query"] if case["query"] else "")
        msg.headers = {}
        for name, value in case["headers"]:
            msg.headers[name] = value
        msg.signed_headers = case["signed_headers"] or None
        msg.body = case["body"]
        return msg

    timestamp = str(case["ts"])
    plain = AkSkAuth.get_signature(request_msg(), case["sk"], timestamp)

    rec_hashlib = RecordingHashlib()
    rec_hmac = RecordingHmac(rec_hashlib)
    saved = (aksk_module.hashlib, aksk_module.hmac)
    aksk_module.hashlib, aksk_module.hmac = rec_hashlib, rec_hmac
    try:
        recorded = AkSkAuth.get_signature(request_msg(), case["sk"], timestamp)
    finally:
        aksk_module.hashlib, aksk_module.hmac = saved

    if recorded != plain:
        raise AssertionError(f"{case['name']}: recording changed the SDK's signature")
    if len(rec_hashlib.inputs) != 2 or len(rec_hmac.messages) != 1:
        raise AssertionError(f"{case['name']}: SDK signer hashed in an unexpected way")
    hashed_body, canonical_request = rec_hashlib.inputs
    sent_body = case["body"].encode("utf-8") if case["method"] in ("POST", "PUT") else b""
    if hashed_body != sent_body:
        raise AssertionError(f"{case['name']}: the SDK hashed a body other than the one sent")

    msg = request_msg()
    authorization = AkSkAuth.gen_authorization(
        case["ak"], AkSkAuth.get_signed_headers(msg.signed_headers), plain
    )
    return {
        "canonical_request": canonical_request.decode("utf-8"),
        "string_to_sign": rec_hmac.messages[0].decode("utf-8"),
        "signature": plain,
        "authorization": authorization,
    }


# --------------------------------------------------------------------------------------------
# Random requests.

CJK = [(0x4E00, 0x9FFF), (0x3040, 0x30FF), (0xAC00, 0xD7A3)]
EMOJI = ["😀", "🎬", "📹", "🇨🇳", "👍🏽", "👩‍💻", "❤️", "🧪", "\U0001F9D1\u200D\U0001F3A4", "🀄"]
OTHER = list("éÉüÜßçñØåÆœΩΣσςЖжİıKǅ") + ["\u0301", "\u200F", "עברית", "العربية", "ẞ", "Ⅻ"]
ASCII_WORDS = ["video", "upload", "test", "Title", "MP4", "abc", "x", "CamelCase", "a b", "A&B", "k=v"]
ASCII_SYMBOLS = list(" !\"$&'()*+,-./:;<=>?@[\\]^_`{|}~%")


def random_text(rng, max_len=12, ascii_only=False):
    parts = []
    for _ in range(rng.randint(0, max_len)):
        kind = rng.random()
        if kind < 0.35 or ascii_only:
            parts.append(rng.choice(ASCII_WORDS) if rng.random() < 0.5 else rng.choice(ASCII_SYMBOLS))
        elif kind < 0.65:
            lo, hi = rng.choice(CJK)
            parts.append(chr(rng.randint(lo, hi)))
        elif kind < 0.85:
            parts.append(rng.choice(EMOJI))
        else:
            parts.append(rng.choice(OTHER))
    return "".join(parts)


def random_case_of(rng, s):
    mode = rng.random()
    if mode < 0.2:
        return s.lower()
    if mode < 0.4:
        return s.upper()
    if mode < 0.55:
        return s.title()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def random_json(rng, depth=0):
    kind = rng.random()
    if depth > 2 or kind < 0.4:
        return random_text(rng)
    if kind < 0.5:
        return rng.randint(-(2**40), 2**40)
    if kind < 0.55:
        return rng.choice([True, False, None, 1.5, -0.0])
    if kind < 0.75:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng, 4): random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def random_body(rng):
    kind = rng.random()
    if kind < 0.1:
        return ""
    if kind < 0.25:
        pairs = [(random_text(rng, 4), random_text(rng, 6)) for _ in range(rng.randint(1, 5))]
        return urllib.parse.urlencode(pairs)
    obj = {"originFileName": random_text(rng, 6) + ".mp4"}
    for _ in range(rng.randint(0, 6)):
        obj[random_text(rng, 5)] = random_json(rng)
    separators = rng.choice([None, (",", ":"), (", ", ": ")])
    return json.dumps(obj, ensure_ascii=rng.random() < 0.3, separators=separators)


def encode_query_part(rng, s):
    mode = rng.random()
    if mode < 0.35:
        return urllib.parse.quote(s, safe="")
    if mode < 0.6:
        return urllib.parse.quote_plus(s)
    if mode < 0.8:
        # Raw, as some clients send it; only the characters that would end the part or the
        # query are escaped.
        return s.replace("%", "%25").replace("&", "%26").replace("=", "%3D").replace("#", "%23")
    # Escapes mixed with literal characters and malformed ones.
    out = []
    for c in urllib.parse.quote(s, safe=""):
        out.append(c)
        if rng.random() < 0.05:
            out.append(rng.choice(["%zz", "%", "%4", "%E4%B8", "%ff", "%C0%AF", "%F0%9F", "中", "%%41", "+"]))
    return "".join(out)


def random_query(rng):
    parts = []
    for _ in range(rng.randint(0, 7)):
        r = rng.random()
        if r < 0.05:
            parts.append("")
        elif r < 0.15:
            parts.append(encode_query_part(rng, random_text(rng, 5)))
        else:
            key = rng.choice(["pageIndex", "pageSize", "format", "title", "videoId", ""]) or random_text(rng, 4)
            parts.append(encode_query_part(rng, key) + "=" + encode_query_part(rng, random_text(rng)))
    return "&".join(parts)


def random_path(rng):
    if rng.random() < 0.4:
        return rng.choice(["/vod/videoManage/getUploadToken", "/vod/videoManage/getVideoList", "/"])
    segments = []
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.5:
            segments.append(rng.choice(["vod", "videoManage", "api", "v1", "a.b", "~x", "x-y_z", "1234"]))
        elif r < 0.8:
            segments.append(urllib.parse.quote(random_text(rng, 4), safe=""))
        else:
            segments.append(random_text(rng, 3).replace("?", "").replace("#", "").replace("%", ""))
    path = "/" + "/".join(segments)
    return path + ("/" if rng.random() < 0.1 else "")


def random_value(rng):
    r = rng.random()
    if r < 0.75:
        return random_case_of(rng, random_text(rng, 6, ascii_only=True).replace("\\", ""))
    return random_text(rng, 6)


def random_headers(rng, alg, ak, ts):
    headers = []
    if rng.random() < 0.9:
        ctype = rng.choice([
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON; Charset=UTF-8",
            "application/x-www-form-urlencoded",
            "text/plain; charset=utf-8",
            "multipart/form-data; boundary=XyZ123abc",
        ])
        headers.append(("Content-Type", random_case_of(rng, ctype) if rng.random() < 0.5 else ctype))
    if rng.random() < 0.95:
        host = rng.choice([
            "api.cloudv.haplat.net",
            "open.chinanetcenter.com",
            "api.cdnetworks.com",
            "LOCALHOST:8080",
            "127.0.0.1:39001",
        ])
        headers.append(("Host", random_case_of(rng, host) if rng.random() < 0.5 else host))
    ak_header, ts_header = KEY_HEADERS[alg]
    headers.append((ak_header, ak))
    headers.append((ts_header, str(ts)))
    if alg.startswith("CNC"):
        headers.append(("x-cnc-auth-method", random_case_of(rng, "AKSK")))
    if rng.random() < 0.5:
        headers.append(("Accept", rng.choice(["application/json", "*/*", "Application/JSON"])))
    for _ in range(rng.randint(0, 3)):
        headers.append(("X-" + random_case_of(rng, rng.choice(["Custom", "Trace-Id", "Foo", "Bar"])), random_value(rng)))
    # A second copy of a header under another case: the first one sent wins.
    if headers and rng.random() < 0.15:
        name, _ = rng.choice(headers)
        headers.append((name.swapcase(), random_value(rng)))
    rng.shuffle(headers)
    renamed = []
    seen = set()
    for name, value in headers:
        new_name = random_case_of(rng, name) if rng.random() < 0.6 else name
        if new_name in seen:
            new_name = name
        if new_name in seen:
            continue
        seen.add(new_name)
        renamed.append((new_name, value))
    return renamed


def random_signed_headers(rng, headers):
    if rng.random() < 0.55:
        return ""
    names = [name for name, _ in headers]
    chosen = rng.sample(names, rng.randint(1, len(names))) if names else []
    if rng.random() < 0.3:
        chosen.append(rng.choice(["Content-Type", "Host", "X-Missing-Header"]))
    if chosen and rng.random() < 0.2:
        chosen.append(random_case_of(rng, rng.choice(chosen)))
    if rng.random() < 0.05:
        chosen.append("")
    if not chosen:
        chosen = ["host"]
    rng.shuffle(chosen)
    joined = ";".join(random_case_of(rng, n) for n in chosen)
    return joined or "host"


def random_secret(rng):
    r = rng.random()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    if r < 0.05:
        return ""
    if r < 0.15:
        return random_text(rng, 8)
    length = rng.choice([rng.randint(1, 40), 40, 64, rng.randint(65, 150)])
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_timestamp(rng):
    r = rng.random()
    if r < 0.7:
        return rng.randint(1_500_000_000, 2_000_000_000)
    if r < 0.9:
        return rng.randint(0, 2**32)
    return rng.choice([0, 1, 9, 10, 2**63 - 1, 2**64 - 1, rng.randint(0, 2**64 - 1)])


def random_case(rng, index):
    alg = ALGORITHMS[index % 2] if index < 2 else rng.choice(ALGORITHMS)
    method = rng.choices(["GET", "POST", "PUT"], weights=[45, 45, 10])[0]
    ak = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef") for _ in range(rng.randint(8, 40)))
    ts = random_timestamp(rng)
    path = random_path(rng)
    # POST cases sometimes carry a query too, to check that it is left out of the signature.
    query = random_query(rng) if method != "POST" or rng.random() < 0.3 else ""
    headers = random_headers(rng, alg, ak, ts)
    return {
        "name": f"case-{index:04}-{method.lower()}-{alg.split('-')[0].lower()}",
        "alg": alg,
        "ak": ak,
        "sk": random_secret(rng),
        "method": method,
        "path": path,
        "query": query,
        "headers": [list(h) for h in headers],
        "signed_headers": random_signed_headers(rng, headers),
        "body": random_body(rng) if method in ("POST", "PUT") else "",
        "ts": ts,
    }


def is_faithful(case):
    """The case's path and query are what the SDK takes from the URI it is given."""
    uri = case["path"] + ("?" + case["query"] if case["query"] else "")
    try:
        query = urllib.parse.urlparse(uri).query
    except ValueError:
        # e.g. a path starting with "//" parsed as an authority with a bad IPv6 literal;
        # the SDK itself would raise on it.
        return False
    return uri.split("?")[0] == case["path"] and (case["method"] == "POST" or query == case["query"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cases = []
    index = 0
    skipped = 0
    while len(cases) < args.cases:
        case = random_case(rng, index)
        index += 1
        if not is_faithful(case):
            skipped += 1
            continue
        case["sdk"] = sdk_sign(case)
        cases.append(case)

    doc = {
        "generator": "scripts/crosscheck/wangsu_sign.py",
        "sdk": "wangsu-sdk-python " + importlib.metadata.version("wangsu-sdk-python"),
        "python": sys.version.split()[0],
        "seed": args.seed,
        "cases": cases,
    }
    # One case per line: small diffs when the committed fixture is regenerated.
    header = json.dumps({k: v for k, v in doc.items() if k != "cases"}, ensure_ascii=False)
    lines = [json.dumps(case, ensure_ascii=False) for case in cases]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(header[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n")
    print(
        f"wrote {len(cases)} SDK-signed cases (seed {args.seed}, {doc['sdk']}) to {args.out}"
        f" ({skipped} generated URIs skipped: the SDK would not read back the same path and query)"
    )


if __name__ == "__main__":
    main()
