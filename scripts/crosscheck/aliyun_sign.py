#!/usr/bin/env python3
"""Random signing cases for vod-aliyun, signed by Aliyun's official Python SDKs.

Run by scripts/crosscheck-aliyun-sign.sh inside a throwaway virtualenv that has
aliyun-python-sdk-core, alibabacloud-tea-openapi and alibabacloud-openapi-util.
It writes a JSON file that crates/vod-aliyun/tests/sdk_crosscheck.rs reads.

Every expected value comes from the SDKs' own code, never from a re-implementation:

RPC (HMAC-SHA1)
  aliyunsdkcore.auth.composer.rpc_signature_composer.get_signed_url: the signer the
  classic SDK calls for every RPC request. It adds the common parameters itself
  (Timestamp, SignatureNonce, SignatureMethod, SignatureType, SignatureVersion,
  AccessKeyId, Format) and returns the string to sign; the signature is read back from
  the parameters it fills in. Its clock and nonce source are pinned to values drawn
  from the seeded generator so that a seed reproduces the file.
  alibabacloud_openapi_util.client.Client.get_rpcsignature (and tea-openapi's
  Utils.get_rpcsignature when present): the newer SDKs' RPC signer, fed the same
  parameters, as a second opinion.

ACS3-HMAC-SHA256
  alibabacloud_openapi_util.client.Client.get_authorization (and tea-openapi's
  Utils.get_authorization when present): the V3 signer. Its canonical request and
  string to sign are recorded by wrapping the hash and HMAC helpers it calls, so the
  intermediate strings are the SDK's own too.
"""

import argparse
import base64
import importlib.metadata
import json
import random
import sys
import uuid

from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.utils import parameter_helper
from alibabacloud_openapi_util import client as openapi_util_module
from alibabacloud_openapi_util.client import Client as OpenApiUtil

try:  # tea-openapi >= 0.4 carries its own copy of the signer.
    from alibabacloud_tea_openapi.utils import Utils as TeaOpenApiUtils
except ImportError:  # older releases delegate to alibabacloud_openapi_util.
    TeaOpenApiUtils = None

try:
    from Tea.request import TeaRequest
except ImportError:
    TeaRequest = None

ACS3 = "ACS3-HMAC-SHA256"

# ---------------------------------------------------------------------------
# Random text
# ---------------------------------------------------------------------------

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
SPECIALS = " *~()!'+/=&%#$,:;<>?@[\\]^`{|}\"\t\n"
CONTROL = "".join(chr(c) for c in list(range(0, 0x20)) + [0x7F])
EDGE_SPACE = [" ", "\t", "\u3000", "\u00a0", "\u2003", "\u001f", "\u0085", "\n"]
VOD_NAMES = [
    "Title", "FileName", "FileSize", "Description", "CoverURL", "CateId", "Tags",
    "TemplateGroupId", "WorkflowId", "UserData", "StorageLocation", "AppId", "VideoId",
    "ReferenceId", "ImageType", "ImageExt", "BusinessType", "MediaExt", "RegionId",
    "Action", "Version",
]


def rand_char(rng):
    """One character from a mix of the classes encoders get wrong."""
    pick = rng.random()
    if pick < 0.30:
        return rng.choice(UNRESERVED)
    if pick < 0.50:
        return rng.choice(SPECIALS)
    if pick < 0.62:
        return chr(rng.randint(0x4E00, 0x9FFF))  # CJK
    if pick < 0.72:
        return chr(rng.choice([rng.randint(0x1F300, 0x1FAFF), rng.randint(0x1F600, 0x1F64F)]))  # emoji
    if pick < 0.78:
        return rng.choice(CONTROL)
    if pick < 0.88:
        return chr(rng.randint(0x80, 0x7FF))  # Latin-1, Greek, Cyrillic, Hebrew, combining marks
    # Anything else that is a Unicode scalar value (no surrogates).
    while True:
        c = rng.randint(0x800, 0x10FFFF)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def rand_text(rng, max_len=24):
    return "".join(rand_char(rng) for _ in range(rng.randint(0, max_len)))


# Longest "long" value in characters (and binary body in bytes); --long-max sets it.
LONG_MAX = 3000


def rand_value(rng):
    pick = rng.random()
    if pick < 0.10:
        return ""
    if pick < 0.16:
        # Long values: with mostly multi-byte characters, up to a few KB.
        return "".join(rand_char(rng) for _ in range(rng.randint(LONG_MAX // 6, LONG_MAX)))
    if pick < 0.30:
        return "".join(rng.choice(UNRESERVED) for _ in range(rng.randint(1, 40)))
    return rand_text(rng, 40)


def rand_name(rng, alphabet=None):
    pick = rng.random()
    if pick < 0.30:
        return rng.choice(VOD_NAMES)
    if pick < 0.40:
        # Flattened list and object parameters, e.g. Tag.1.Key.
        return "%s.%d.%s" % (rng.choice(["Tag", "Filter", "Item"]), rng.randint(1, 12), rng.choice(["Key", "Value"]))
    if alphabet is not None or pick < 0.70:
        letters = alphabet or UNRESERVED
        return "".join(rng.choice(letters) for _ in range(rng.randint(1, 20)))
    if pick < 0.71:
        return ""
    return rand_text(rng, 16) or "x"


def rand_params(rng, count, alphabet=None, exclude=()):
    params = {}
    for _ in range(count):
        name = rand_name(rng, alphabet)
        if name not in exclude:
            params[name] = rand_value(rng)
    return params


def rand_token(rng, lo, hi, letters=UNRESERVED + "+/="):
    return "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi)))


def rand_secret(rng):
    if rng.random() < 0.9:
        return rand_token(rng, 1, 40, UNRESERVED)
    return rand_text(rng, 100) or "s"  # odd secrets, including longer than an HMAC block


def rand_timestamp(rng):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
        rng.randint(2016, 2035), rng.randint(1, 12), rng.randint(1, 28),
        rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))


def rand_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pad(rng, value):
    """Sometimes surround a header value with whitespace the signer must trim."""
    if rng.random() < 0.25:
        value = "".join(rng.choice(EDGE_SPACE) for _ in range(rng.randint(1, 3))) + value
    if rng.random() < 0.25:
        value = value + "".join(rng.choice(EDGE_SPACE) for _ in range(rng.randint(1, 3)))
    return value


def mixed_case(rng, name):
    if rng.random() < 0.3:
        return "".join(c.upper() if rng.random() < 0.5 else c for c in name)
    return name


# ---------------------------------------------------------------------------
# RPC cases
# ---------------------------------------------------------------------------

def rpc_case(rng, index):
    method = rng.choice(["GET", "POST"])
    query = rand_params(rng, rng.randint(0, 12))
    body = {}
    if method == "POST" and rng.random() < 0.6:
        body = rand_params(rng, rng.randint(1, 6), exclude=set(query))
    access_key_id = rng.choice(["", "STS."]) + rand_token(rng, 8, 30, UNRESERVED)
    if access_key_id.startswith("STS."):
        query["SecurityToken"] = rand_token(rng, 20, 400)
    secret = rand_secret(rng)
    accept_format = rng.choice(["JSON", "XML", None])

    # The signer takes Timestamp and SignatureNonce from these two helpers.
    timestamp, nonce = rand_timestamp(rng), rand_uuid(rng).replace("-", "")
    parameter_helper.get_iso_8061_date = lambda: timestamp
    parameter_helper.get_uuid = lambda: nonce

    url_params = dict(query)
    _url, string_to_sign = rpc_signature_composer.get_signed_url(
        url_params, access_key_id, secret, accept_format, method, dict(body))
    signature = url_params.pop("Signature")
    signed = dict(url_params)
    signed.update(body)

    sdk = {
        "string_to_sign": string_to_sign,
        "signature": signature,
        "signature_openapi_util": OpenApiUtil.get_rpcsignature(dict(signed), method, secret),
    }
    if TeaOpenApiUtils is not None:
        sdk["signature_tea_openapi"] = TeaOpenApiUtils.get_rpcsignature(dict(signed), method, secret)
    return {
        "name": "rpc-%04d" % index,
        "method": method,
        "access_key_secret": secret,
        "params": signed,
        "sdk": sdk,
    }


# ---------------------------------------------------------------------------
# ACS3 cases
# ---------------------------------------------------------------------------

class Capture:
    """Records the canonical request and string to sign that the V3 signer computes,
    by wrapping the two helpers it calls; the SDK's own code still does the work."""

    def __init__(self):
        self.canonical_request = None
        self.string_to_sign = None
        orig_hash = OpenApiUtil.hash
        orig_signature_method = openapi_util_module.signature_method

        def hash_(raw, sign_type):
            self.canonical_request = raw.decode("utf-8")
            return orig_hash(raw, sign_type)

        def signature_method(secret, source, sign_type):
            self.string_to_sign = source
            return orig_signature_method(secret, source, sign_type)

        OpenApiUtil.hash = staticmethod(hash_)
        openapi_util_module.signature_method = signature_method
        self._restore = lambda: (
            setattr(OpenApiUtil, "hash", staticmethod(orig_hash)),
            setattr(openapi_util_module, "signature_method", orig_signature_method),
        )

    def close(self):
        self._restore()


def make_request(method, path, query, headers):
    request = TeaRequest() if TeaRequest is not None else type("Request", (), {})()
    request.method = method
    request.pathname = path
    request.query = dict(query)
    request.headers = dict(headers)
    return request


def rand_body(rng):
    pick = rng.random()
    if pick < 0.5:
        return b"", None
    if pick < 0.65:
        return json.dumps(rand_params(rng, rng.randint(1, 5)), ensure_ascii=False).encode("utf-8"), \
            "application/json; charset=utf-8"
    if pick < 0.8:
        return OpenApiUtil.to_form(rand_params(rng, rng.randint(1, 5))).encode("utf-8"), \
            "application/x-www-form-urlencoded"
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, LONG_MAX))), "application/octet-stream"


def acs3_case(rng, index):
    method = rng.choice(["POST", "POST", "GET", "PUT", "DELETE"])
    path = rng.choice(["/", "/", "/", "", "/api/v1/videos", "/a%20b/%E6%B5%8B"])
    # Query names stay within A-Z a-z 0-9 - _ . ~ (every real parameter name does):
    # the Python SDK does not percent-encode query *names* in the V3 canonical query,
    # while Aliyun's documentation, the Java SDK and this crate do; values are random.
    query = rand_params(rng, rng.randint(0, 10), alphabet=UNRESERVED)
    body, content_type = rand_body(rng)

    payload = OpenApiUtil.hash(body, ACS3).hex()
    headers = {
        "host": "vod.%s.aliyuncs.com" % rng.choice(["cn-shanghai", "cn-beijing", "ap-southeast-1"]),
        "x-acs-action": rng.choice(["CreateUploadVideo", "RefreshUploadVideo", "CreateUploadImage"]),
        "x-acs-version": "2017-03-21",
        "x-acs-date": rand_timestamp(rng),
        "x-acs-signature-nonce": rand_uuid(rng).replace("-", ""),
        "x-acs-content-sha256": payload,
    }
    if content_type is not None:
        headers["content-type"] = content_type
    if rng.random() < 0.4:
        headers["x-acs-accesskey-id"] = "STS." + rand_token(rng, 8, 30, UNRESERVED)
        headers["x-acs-security-token"] = rand_token(rng, 20, 600)
    # What the SDK also sends and signs, with random case and padding the signer must
    # normalise; now and then two spellings of one name, which it merges.
    if rng.random() < 0.5:
        headers["user-agent"] = "AlibabaCloud (Linux) Python/3 Core/%d TeaDSL/2" % rng.randint(1, 9)
        headers["accept"] = "application/json"
    if rng.random() < 0.3:
        headers["x-acs-" + rand_token(rng, 1, 12, "abcdefghijklmnopqrstuvwxyz0123456789-")] = rand_text(rng, 30)
    headers = {mixed_case(rng, k): pad(rng, v) for k, v in headers.items()}
    if rng.random() < 0.1:
        headers["Accept"] = pad(rng, rand_token(rng, 1, 20, UNRESERVED + "/;=, "))

    access_key_id = rand_token(rng, 8, 30, UNRESERVED)
    secret = rand_secret(rng)

    capture = Capture()
    try:
        authorization = OpenApiUtil.get_authorization(
            make_request(method, path, query, headers), ACS3, payload, access_key_id, secret)
    finally:
        capture.close()
    sdk = {
        "canonical_request": capture.canonical_request,
        "string_to_sign": capture.string_to_sign,
        "authorization": authorization,
    }
    if TeaOpenApiUtils is not None:
        sdk["authorization_tea_openapi"] = TeaOpenApiUtils.get_authorization(
            make_request(method, path, query, headers), ACS3, payload, access_key_id, secret)
    return {
        "name": "acs3-%04d" % index,
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body_base64": base64.b64encode(body).decode("ascii"),
        "access_key_id": access_key_id,
        "access_key_secret": secret,
        "sdk": sdk,
    }


# ---------------------------------------------------------------------------

def sdk_versions():
    versions = {}
    for dist in ["aliyun-python-sdk-core", "alibabacloud-tea-openapi", "alibabacloud-openapi-util"]:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def main():
    global LONG_MAX
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per signature (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--long-max", type=int, default=LONG_MAX,
                        help="length of the longest long values and bodies (default %d)" % LONG_MAX)
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()
    LONG_MAX = args.long_max

    rng = random.Random(args.seed)
    rpc = [rpc_case(rng, i) for i in range(args.cases)]
    acs3 = [acs3_case(rng, i) for i in range(args.cases)]

    # The SDKs among themselves: a disagreement here is worth knowing before blaming Rust.
    disagreements = [c["name"] for c in rpc if len({v for k, v in c["sdk"].items() if k.startswith("signature")}) != 1]
    disagreements += [c["name"] for c in acs3 if len({v for k, v in c["sdk"].items() if k.startswith("authorization")}) != 1]
    if disagreements:
        print("warning: the official SDKs disagree among themselves on %d cases: %s"
              % (len(disagreements), ", ".join(disagreements[:10])), file=sys.stderr)

    document = {
        "about": "Aliyun signing cases signed by the official Python SDKs; "
                 "generated by scripts/crosscheck/aliyun_sign.py, checked by crates/vod-aliyun/tests/sdk_crosscheck.rs",
        "seed": args.seed,
        "long_max": args.long_max,
        "sdk_versions": sdk_versions(),
        "python": sys.version.split()[0],
        "rpc": rpc,
        "acs3": acs3,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %d RPC and %d ACS3 cases (seed %d, SDKs %s) to %s" % (
        len(rpc), len(acs3), args.seed,
        ", ".join("%s %s" % kv for kv in document["sdk_versions"].items()), args.out))


if __name__ == "__main__":
    main()
