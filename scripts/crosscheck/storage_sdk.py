#!/usr/bin/env python3
"""Uploads through vod-emulator's upload hosts with the vendors' own upload clients.

Run by scripts/crosscheck-storage-sdk.sh, which starts the emulator (short --sts-ttl and
--token-ttl) and a throwaway virtualenv holding oss2, wcs-python3-sdk and the VOD SDKs that
scripts/crosscheck/emulator_sdk.py uses (its checks and the helpers in scripts/lib/vendor_sdk.py
are reused here).

What is checked:
- Aliyun: CreateUploadVideo with the official classic VOD SDK, then oss2 `put_object` and
  `resumable_upload` (multipart, two threads) with the STS key it returned, signed V1
  (oss2's default) and V4 (`auth_version=AUTH_VERSION_4`, region cn-shanghai). oss2 checks the
  CRC-64 the host answers on every request itself; each stored object's MD5 (admin listing)
  must be the file's.
- Wangsu: getUploadToken with wangsu-sdk-python, then wcs-python3-sdk's form upload
  (SimpleUpload) and slice upload (MultipartUpload, blocks of 4 MiB in chunks of 1 MiB, four
  blocks at once); the answer's hash must be the file's Wangsu hash, the stored MD5 the file's.
- Refusals: a wrong secret (SignatureDoesNotMatch), another object key (AccessDenied), an STS
  key past --sts-ttl (SecurityTokenExpired), a tampered token and one past --token-ttl (401).

Prints one line per check and finally `N passed, M failed`; exits 1 when any check failed.
"""

import argparse
import importlib.metadata
import logging
import os
import sys
import tempfile
import time

import oss2
from wcs.commons.config import Config as WcsConfig
from wcs.services.multipartupload import MultipartUpload
from wcs.services.simpleupload import SimpleUpload

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import emulator_sdk as base  # noqa: E402 - the path above first
from vendor_sdk import (  # noqa: E402
    REGION, create_upload_video, md5_of, oss_bucket, posted, stored, wangsu_token, wcs_hash,
)

check = base.check
CHECKS = base.CHECKS
KIB = 1024
MIB = 1024 * 1024


def file_of(directory, name, size, seed):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(bytes((i * 31 + seed) % 256 for i in range(size)))
    return path


def oss_error(fn):
    try:
        fn()
    except oss2.exceptions.OssError as exc:
        return exc.status, exc.code
    return 200, None


def aliyun_uploads(aliyun, key, admin, work):
    for version, label in ((oss2.AUTH_VERSION_1, "v1"), (oss2.AUTH_VERSION_4, "v4")):
        for size in (0, 1, 300 * KIB + 5):
            path = file_of(work, f"put-{label}-{size}.mp4", size, size % 7)
            address, auth, _ = create_upload_video(aliyun, key, os.path.basename(path))
            bucket = oss_bucket(address, auth, version)
            with open(path, "rb") as f:
                result = bucket.put_object(address["FileName"], f)
            name = f"oss2 {label} put_object {size} bytes"
            check(f"{name}: 200 with the file's MD5 as ETag",
                  result.status == 200 and result.etag.lower() == md5_of(path), f"{result.status} {result.etag}")
            obj = stored(admin, address["FileName"])
            check(f"{name}: the stored MD5 is the file's", obj and obj["md5"] == md5_of(path)
                  and obj["size"] == size, str(obj))

        path = file_of(work, f"multi-{label}.mp4", 1 * MIB + 3 * KIB + 1, 3)
        address, auth, _ = create_upload_video(aliyun, key, os.path.basename(path))
        bucket = oss_bucket(address, auth, version)
        store = oss2.ResumableStore(root=os.path.join(work, "oss-checkpoints"))
        result = oss2.resumable_upload(bucket, address["FileName"], path, store=store,
                                       multipart_threshold=200 * KIB, part_size=100 * KIB, num_threads=2)
        name = f"oss2 {label} resumable_upload (11 parts, 2 threads)"
        check(f"{name}: 200 with a multipart ETag", result.status == 200 and "-" in result.etag,
              f"{result.status} {result.etag}")
        obj = stored(admin, address["FileName"])
        check(f"{name}: the stored MD5 is the file's", obj and obj["md5"] == md5_of(path), str(obj))

        # Refusals, with the same client.
        data = b"refused"
        wrong = oss_bucket(address, auth, version, secret=auth["AccessKeySecret"][:-1] + "x")
        status, code = oss_error(lambda: wrong.put_object(address["FileName"], data))
        check(f"oss2 {label} wrong secret: 403 SignatureDoesNotMatch", (status, code) == (403, "SignatureDoesNotMatch"),
              f"{status} {code}")
        status, code = oss_error(lambda: bucket.put_object("sv/someone/else.mp4", data))
        check(f"oss2 {label} another object key: 403 AccessDenied", (status, code) == (403, "AccessDenied"),
              f"{status} {code}")


def wangsu_uploads(wangsu, key, admin, work):
    for size in (1, 70 * KIB):
        path = file_of(work, f"form-{size}.mp4", size, 1)
        data = wangsu_token(wangsu, key, os.path.basename(path))
        code, answer, text = posted(SimpleUpload(data["uploadUrl"]).upload(path, data["uploadToken"], data["fileKey"]))
        name = f"wcs form upload {size} bytes"
        check(f"{name}: 200 with the file's Wangsu hash", code == 200 and answer.get("hash") == wcs_hash(path),
              f"{code} {text[:200]}")
        obj = stored(admin, data["fileKey"])
        check(f"{name}: the stored MD5 is the file's", obj and obj["md5"] == md5_of(path), str(obj))
        time.sleep(1)  # getUploadToken: a new second, or the same body is a repeated request

    WcsConfig.bput_size = 1 * MIB
    path = file_of(work, "slices.mp4", 9 * MIB + 123, 2)
    data = wangsu_token(wangsu, key, os.path.basename(path))
    code, answer, text = posted(MultipartUpload(data["uploadUrl"]).upload(path, data["uploadToken"]))
    name = "wcs slice upload (3 blocks, 1 MiB chunks)"
    check(f"{name}: 200 with the file's Wangsu hash", code == 200 and answer.get("hash") == wcs_hash(path),
          f"{code} {text[:200]}")
    obj = stored(admin, data["fileKey"])
    check(f"{name}: the stored MD5 is the file's", obj and obj["md5"] == md5_of(path), str(obj))

    time.sleep(1)
    path = file_of(work, "tampered.mp4", 10, 4)
    data = wangsu_token(wangsu, key, os.path.basename(path))
    token = data["uploadToken"]
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    code, answer, text = posted(SimpleUpload(data["uploadUrl"]).upload(path, tampered, data["fileKey"]))
    check("wcs form upload with a tampered token: 401", code == 401, f"{code} {text[:200]}")
    return path, data


def expired(aliyun, key, admin, wangsu_pending, ttl):
    address, auth, _ = create_upload_video(aliyun, key, "late.mp4")
    bucket = oss_bucket(address, auth, oss2.AUTH_VERSION_4)
    path, data = wangsu_pending
    print(f"waiting {ttl + 1} s for the STS key and the upload token to expire")
    time.sleep(ttl + 1)
    status, code = oss_error(lambda: bucket.put_object(address["FileName"], b"late"))
    check("oss2 v4 with an STS key past --sts-ttl: 403 SecurityTokenExpired",
          (status, code) == (403, "SecurityTokenExpired"), f"{status} {code}")
    code, answer, text = posted(SimpleUpload(data["uploadUrl"]).upload(path, data["uploadToken"], data["fileKey"]))
    check("wcs form upload with a token past --token-ttl: 401", code == 401, f"{code} {text[:200]}")
    check("nothing was stored by refused requests", stored(admin, address["FileName"]) is None
          and stored(admin, data["fileKey"]) is None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aliyun-url", required=True)
    parser.add_argument("--wangsu-url", required=True)
    parser.add_argument("--key", required=True, type=lambda t: base.parse_key(t, False))
    parser.add_argument("--ttl", required=True, type=int, help="the emulator's --sts-ttl and --token-ttl")
    args = parser.parse_args()
    versions = ", ".join(f"{p} {importlib.metadata.version(p)}"
                         for p in ("oss2", "wcs-python3-sdk", "aliyun-python-sdk-vod", "wangsu-sdk-python"))
    print(f"SDKs: {versions}")
    for logger in ("aliyunsdkcore", "wangsu", "oss2"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)
    # wcs-python3-sdk logs every step at DEBUG with a logger and level of its own.
    logging.disable(logging.DEBUG)
    aliyun, wangsu = base.Endpoint(args.aliyun_url), base.Endpoint(args.wangsu_url)
    admin = args.aliyun_url
    with tempfile.TemporaryDirectory(prefix="vod-storage-xcheck.") as work:
        WcsConfig.tmp_record_folder = os.path.join(work, "wcs-records") + "/"
        CHECKS.run("aliyun uploads", aliyun_uploads, aliyun, args.key, admin, work)
        pending = []
        CHECKS.run("wangsu uploads", lambda: pending.append(wangsu_uploads(wangsu, args.key, admin, work)))
        if pending:
            CHECKS.run("expiry", expired, aliyun, args.key, admin, pending[0], args.ttl)
    print(f"{CHECKS.passed} passed, {CHECKS.failed} failed")
    return 1 if CHECKS.failed or not CHECKS.passed else 0


if __name__ == "__main__":
    sys.exit(main())
