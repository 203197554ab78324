#!/usr/bin/env python3
"""One upload with a vendor's official Python uploader: the measured process of
scripts/bench/upload.py (run by scripts/bench-upload.sh).

The job comes as JSON on stdin (file, credential, options; nothing secret on the command line)
and one JSON line goes to stdout: {"seconds": ..., ...}, the wall time of the upload call alone
(the SDK is imported and its client built before the timer starts). The parent measures this
process's CPU time and peak memory and checks what the emulator stored.

Modes, every option at the SDK's default unless the job says otherwise:
  oss2-put        oss2 Bucket.put_object of the open file (one PUT, streamed), V4
  oss2-resumable  oss2.resumable_upload (10 MiB parts), V4, num_threads from the job, its
                  checkpoint in the job's directory
  wcs-slice       wcs-python3-sdk MultipartUpload (4 MiB blocks sent as one 4 MiB chunk each,
                  4 blocks at once), its resume record in the job's directory

Only the SDK of the mode is imported, so the peak memory is that SDK's.
"""

import json
import logging
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vendor_sdk  # noqa: E402 - the path above first


def oss2_put(job):
    import oss2

    address, auth = job["address"], job["auth"]
    bucket = vendor_sdk.oss_bucket(address, auth, oss2.AUTH_VERSION_4)
    with open(job["file"], "rb") as f:
        started = time.perf_counter()
        result = bucket.put_object(address["FileName"], f)
        seconds = time.perf_counter() - started
    return seconds, {"status": result.status, "etag": result.etag}


def oss2_resumable(job):
    import oss2

    address, auth = job["address"], job["auth"]
    bucket = vendor_sdk.oss_bucket(address, auth, oss2.AUTH_VERSION_4)
    store = oss2.ResumableStore(root=job["work"])
    started = time.perf_counter()
    result = oss2.resumable_upload(bucket, address["FileName"], job["file"], store=store,
                                   num_threads=job["threads"])
    seconds = time.perf_counter() - started
    return seconds, {"status": result.status, "etag": result.etag}


def wcs_slice(job):
    from wcs.commons.config import Config as WcsConfig
    from wcs.services.multipartupload import MultipartUpload

    # wcs-python3-sdk logs every step at DEBUG with a logger and level of its own.
    logging.disable(logging.DEBUG)
    WcsConfig.tmp_record_folder = os.path.join(job["work"], "wcs-records") + "/"
    data = job["token"]
    uploader = MultipartUpload(data["uploadUrl"])
    started = time.perf_counter()
    result = uploader.upload(job["file"], data["uploadToken"])
    seconds = time.perf_counter() - started
    code, answer, text = vendor_sdk.posted(result)
    if code != 200:
        raise SystemExit(f"wcs slice upload answered {code}: {text[:300]}")
    return seconds, {"status": code, "hash": answer.get("hash")}


MODES = {"oss2-put": oss2_put, "oss2-resumable": oss2_resumable, "wcs-slice": wcs_slice}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        sys.exit(f"usage: sdk_upload.py {{{'|'.join(MODES)}}} < job.json")
    job = json.load(sys.stdin)
    for logger in ("oss2", "urllib3"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)
    seconds, answer = MODES[sys.argv[1]](job)
    print(json.dumps(dict(answer, seconds=seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
