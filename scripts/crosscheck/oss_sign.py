#!/usr/bin/env python3
"""Random OSS signing cases for vod-aliyun, signed by oss2, Aliyun's official OSS SDK.

Run by scripts/crosscheck-oss-sign.sh inside a throwaway virtualenv that has oss2
(pinned to 2.19.1, the version the shared vectors were made with). It writes a JSON file
that crates/vod-aliyun/tests/oss_crosscheck.rs reads.

Every expected value comes from oss2's own code, never from a re-implementation:

V1 (`OSS AccessKeyId:Signature`)
  oss2.auth.ProviderAuth._sign_request, the signer every oss2 request goes through with
  oss2.StsAuth(...) or oss2.Auth(...). The headers it adds (date, x-oss-security-token,
  authorization) are read back from the request; the string to sign is its own
  __get_bytes_to_sign on the signed request. Its clock (oss2.utils.http_date) is pinned
  to a time drawn from the seeded generator, formatted by oss2 itself.

V4 (`OSS4-HMAC-SHA256`)
  oss2.auth.ProviderAuthV4._sign_request with the additional headers given, region and
  product "oss" on the request as oss2.Bucket sets them; the canonical request and
  string to sign come from its own __get_canonical_request_bytes and
  __get_string_to_sign_bytes. _sign_request always writes
  `x-oss-content-sha256: UNSIGNED-PAYLOAD`; for cases with a body hash the request's
  header dict keeps the hash already set instead (nothing else changes), so the rest is
  still oss2's own signing of that header. Its clock (datetime.utcnow in oss2.auth) is
  pinned the same way.

URLs
  oss2.api._UrlMaker, which builds every request URL (virtual-hosted or path style,
  key percent-encoded), for a random endpoint among named, IP, localhost and IPv6 hosts.
"""

import argparse
import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import random
import sys

import oss2
import oss2.auth
import oss2.utils
from oss2.api import _UrlMaker
from oss2.credentials import StaticCredentialsProvider
from oss2.http import Request
from requests.structures import CaseInsensitiveDict

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
SPECIALS = " *~()!'+/=&%#$,:;<>?@[\\]^`{|}\""
SUB_RESOURCES = ["uploadId", "partNumber", "uploads", "acl", "append", "position",
                 "response-content-type", "response-expires", "x-oss-process", "sequential",
                 "security-token", "versionId", "tagging", "callback"]
OTHER_QUERY = ["max-parts", "part-number-marker", "prefix", "delimiter", "encoding-type", "x-other"]
# First letters all differ: oss2 sorts AdditionalHeaders by the first character only.
ADDITIONAL = ["host", "range", "expect", "if-match", "origin", "pragma", "te"]
SIGNER_HEADERS = {"authorization", "date", "x-oss-date", "x-oss-content-sha256", "x-oss-security-token"}
ENDPOINTS = ["https://oss-cn-shanghai.aliyuncs.com", "http://oss-cn-hangzhou-internal.aliyuncs.com",
             "https://oss-ap-southeast-1.aliyuncs.com:8443", "http://127.0.0.1:9000", "http://localhost:8080",
             "http://10.1.2.3", "http://[::1]:9000"]


def rand_char(rng):
    """One character from a mix of the classes encoders get wrong."""
    pick = rng.random()
    if pick < 0.45:
        return rng.choice(UNRESERVED)
    if pick < 0.70:
        return rng.choice(SPECIALS)
    if pick < 0.85:
        return chr(rng.randint(0x4E00, 0x9FFF))
    if pick < 0.92:
        return chr(rng.randint(0x1F300, 0x1FAFF))
    return chr(rng.choice([0xA0, 0xE9, 0x3000, 0x2003, 0xFEFF, 0x7F]))


def rand_text(rng, lo=0, hi=24):
    return "".join(rand_char(rng) for _ in range(rng.randint(lo, hi)))


def rand_key(rng):
    """An object key: path segments of random text, sometimes long, at most 1023 bytes."""
    segments = [rand_text(rng, 1, 16) for _ in range(rng.randint(1, 4))]
    key = "/".join(segments)
    if rng.random() < 0.1:
        key += rand_text(rng, 100, 300)
    while len(key.encode("utf-8")) > 1023:
        key = key[:-1]
    return key if key else "k"


def rand_bucket(rng):
    """A valid bucket name (oss2.utils.is_valid_bucket_name). oss2 sends requests for an
    invalid name path style; vod-aliyun refuses such a name instead."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-"
    name = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") + "".join(
        rng.choice(alphabet) for _ in range(rng.randint(1, 61)))
    return name + rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")


def rand_ascii(rng, lo, hi, letters=UNRESERVED + "+/="):
    return "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi)))


def rand_header_value(rng):
    pick = rng.random()
    if pick < 0.6:
        return rand_ascii(rng, 0, 40, UNRESERVED + " +/=;,:")
    if pick < 0.8:
        return " " + rand_ascii(rng, 1, 10) + " "  # oss2 signs values untrimmed
    return rand_text(rng, 1, 20).replace("\r", " ").replace("\n", " ")


def rand_query(rng):
    names = rng.sample(SUB_RESOURCES, rng.randint(0, 4)) + rng.sample(OTHER_QUERY, rng.randint(0, 2))
    if rng.random() < 0.2:
        names.append(rand_ascii(rng, 1, 8, UNRESERVED) + rand_text(rng, 0, 3))
    query = []
    seen = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        pick = rng.random()
        value = "" if pick < 0.3 else (str(rng.randint(1, 10000)) if pick < 0.6 else rand_text(rng, 1, 20))
        query.append([name, value])
    rng.shuffle(query)
    return query


def mixed_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.3 else c for c in name)


def rand_headers(rng, version):
    headers = []
    if rng.random() < 0.6:
        headers.append([mixed_case(rng, "Content-Type"),
                        rng.choice(["video/mp4", "application/octet-stream", rand_header_value(rng)])])
    if rng.random() < 0.4:
        headers.append([mixed_case(rng, "Content-MD5"), rand_ascii(rng, 22, 22) + "=="])
    for i in range(rng.randint(0, 4)):
        name = "x-oss-meta-" + rand_ascii(rng, 1, 10, "abcdefghijklmnopqrstuvwxyz0123456789-") + str(i)
        headers.append([mixed_case(rng, name), rand_header_value(rng)])
    if rng.random() < 0.3:
        headers.append(["x-oss-forbid-overwrite", rng.choice(["true", "false"])])
    if version == "v1" and rng.random() < 0.15:
        # V1 signs x-oss-date in place of Date when the caller sends it.
        headers.append(["x-oss-date", rand_ascii(rng, 0, 30, UNRESERVED + " ,:")])
    additional = []
    if version == "v4" and rng.random() < 0.4:
        additional = rng.sample(ADDITIONAL, rng.randint(1, 3))
        for name in additional:
            headers.append([mixed_case(rng, name), rand_header_value(rng)])
        additional = [mixed_case(rng, n) for n in additional]
    rng.shuffle(headers)
    return headers, additional


def rand_time(rng):
    start = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    return start + dt.timedelta(seconds=rng.randint(0, 100 * 365 * 86400))


def rand_keys(rng):
    if rng.random() < 0.8:
        ak = "STS." + rand_ascii(rng, 10, 30, UNRESERVED)
        token = rand_ascii(rng, 20, 400)
    else:
        ak = "LTAI" + rand_ascii(rng, 10, 20, UNRESERVED)
        token = ""
    secret = rand_ascii(rng, 1, 60, UNRESERVED + "+/=!@#$%^&*()")
    return ak, secret, token


class KeepPayloadHash(CaseInsensitiveDict):
    """A header dict on which a body hash set before signing survives _sign_request."""

    def __setitem__(self, key, value):
        if key.lower() == "x-oss-content-sha256" and key in self:
            return
        super().__setitem__(key, value)


class FrozenDatetime(dt.datetime):
    frozen = None

    @classmethod
    def utcnow(cls):
        return cls.frozen


ORIGINAL_HTTP_DATE = oss2.utils.http_date


def freeze(when):
    FrozenDatetime.frozen = when.replace(tzinfo=None)
    oss2.auth.datetime = FrozenDatetime
    oss2.utils.http_date = functools.partial(ORIGINAL_HTTP_DATE, when.timestamp())


def case(rng, index, version):
    method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"])
    bucket = rand_bucket(rng)
    key = rand_key(rng)
    endpoint = rng.choice(ENDPOINTS)
    query = rand_query(rng)
    headers, additional = rand_headers(rng, version)
    ak, secret, token = rand_keys(rng)
    region = rng.choice(["cn-shanghai", "cn-hangzhou", "ap-southeast-1", "us-west-1", rand_ascii(rng, 1, 20, "abcdefghijklmnopqrstuvwxyz-0123456789")])
    when = rand_time(rng)
    payload = "UNSIGNED-PAYLOAD"
    if version == "v4" and rng.random() < 0.4:
        payload = hashlib.sha256(rand_text(rng, 0, 50).encode("utf-8")).hexdigest()

    freeze(when)
    provider = StaticCredentialsProvider(ak, secret, token)
    header_dict = KeepPayloadHash()
    for name, value in headers:
        header_dict[name] = value
    if version == "v4" and payload != "UNSIGNED-PAYLOAD":
        header_dict["x-oss-content-sha256"] = payload
    url = _UrlMaker(endpoint, False, False)(bucket, key)
    req = Request(method, url, params=dict(query), headers=header_dict, region=region, product="oss")

    sdk = {"url": url}
    if version == "v1":
        auth = oss2.auth.ProviderAuth(provider)
        auth._sign_request(req, bucket, key)
        sdk["string_to_sign"] = auth._ProviderAuth__get_bytes_to_sign(req, bucket, key).decode("utf-8")
    else:
        auth = oss2.auth.ProviderAuthV4(provider)
        auth._sign_request(req, bucket, key, additional or None)
        signed_additional = auth._ProviderAuthV4__get_additional_signed_headers(additional or None)
        cr = auth._ProviderAuthV4__get_canonical_request_bytes(req, bucket, key, signed_additional)
        date_time = req.headers["x-oss-date"]
        sdk["canonical_request"] = cr.decode("utf-8")
        sdk["string_to_sign"] = auth._ProviderAuthV4__get_string_to_sign_bytes(req, cr, date_time)
    sdk["added_headers"] = {k.lower(): v for k, v in req.headers.items() if k.lower() in SIGNER_HEADERS
                            and not any(k.lower() == n.lower() for n, _ in headers)}
    if version == "v4" and payload != "UNSIGNED-PAYLOAD":
        sdk["added_headers"]["x-oss-content-sha256"] = payload
    return {
        "name": "%s-%d" % (version, index),
        "version": version,
        "method": method,
        "endpoint": endpoint,
        "bucket": bucket,
        "key": key,
        "query": query,
        "headers": headers,
        "additional_headers": additional,
        "payload": payload,
        "access_key_id": ak,
        "access_key_secret": secret,
        "security_token": token,
        "region": region,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sdk": sdk,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per signature version (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    v1 = [case(rng, i, "v1") for i in range(args.cases)]
    v4 = [case(rng, i, "v4") for i in range(args.cases)]
    oss2_version = importlib.metadata.version("oss2")
    document = {
        "about": "OSS signing cases signed by oss2's own signers; generated by "
                 "scripts/crosscheck/oss_sign.py, checked by crates/vod-aliyun/tests/oss_crosscheck.rs",
        "seed": args.seed,
        "sdk_versions": {"oss2": oss2_version},
        "python": sys.version.split()[0],
        "v1": v1,
        "v4": v4,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %d V1 and %d V4 cases (seed %d, oss2 %s) to %s" % (
        len(v1), len(v4), args.seed, oss2_version, args.out))


if __name__ == "__main__":
    main()
