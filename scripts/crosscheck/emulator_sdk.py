#!/usr/bin/env python3
"""Drives vod-emulator with the vendors' official Python SDKs and checks it agrees with them.

Run by scripts/crosscheck-emulator-sdk.sh, which starts the emulator with known keys and a
throwaway virtualenv holding aliyun-python-sdk-core, aliyun-python-sdk-vod,
alibabacloud-vod20170321 and wangsu-sdk-python.

What is checked, per scheme:
- Aliyun RPC HMAC-SHA1 with the classic SDK (AcsClient + aliyunsdkvod requests, POST and GET,
  long-term and STS keys) and with the V3 SDK switched to RPC (Config.signature_algorithm='v2'):
  CreateUploadVideo for awkward titles and file names, then RefreshUploadVideo.
- Aliyun ACS3-HMAC-SHA256 with the V3 SDK (alibabacloud_vod20170321.client.Client), long-term
  and STS keys: the same flow.
- Wangsu WS3-HMAC-SHA256 and CNC-HMAC-SHA256 with wangsu-sdk-python's AkSkAuth (its whole
  invoke path, and its signing function on bodies and queries we send ourselves): Get Video
  Upload Token with Unicode file names; a repeated fileId resumes the same video.
- Tampering: a good request is built from the SDK's own signing code and not sent; copies with
  one byte of the signature, of the secret it is signed with, of a signed parameter or the
  body, or of the timestamp changed, and copies with a timestamp outside the vendor's window,
  must each be rejected with the vendor's error. Only then is the good request sent (accepted:
  so the forgeries neither were rejected for another reason nor burnt its nonce), then sent
  again (rejected as a replay).

The emulator's Wangsu gateway messages are its documented contract (crates/vod-emulator/src/
wangsu/mod.rs); Aliyun's codes and statuses are the vendor's (shared/vendors/aliyun-vod.md).

Prints one line per check and finally `N passed, M failed`; exits 1 when any check failed.
Usage: emulator_sdk.py --aliyun-url URL --wangsu-url URL --key AK:SECRET --sts-key AK:SECRET:TOKEN
"""

import argparse
import base64
import contextlib
import datetime
import hashlib
import http.client
import importlib.metadata
import json
import logging
import os
import re
import sys
import time
import traceback
import types
import urllib.parse

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.utils import parameter_helper
from aliyunsdkvod.request.v20170321.CreateUploadVideoRequest import CreateUploadVideoRequest
from aliyunsdkvod.request.v20170321.RefreshUploadVideoRequest import RefreshUploadVideoRequest
from alibabacloud_tea_openapi.models import Config as OpenApiConfig
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from alibabacloud_vod20170321 import models as vod_models
from alibabacloud_vod20170321.client import Client as VodClient
from darabonba.core import DaraCore
from wangsu.common.auth.AkSkAuth import AkSkAuth

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from vendor_sdk import (  # noqa: E402 - the path above first
    UPLOAD_TOKEN_PATH, VARIANTS, Endpoint, acs_client, classic_request, json_or_none, parse_key,
    wangsu_config, wangsu_variant,
)

API_VERSION = "2017-03-21"
ACS3 = "ACS3-HMAC-SHA256"

# Aliyun: 15-minute timestamp window (vendor notes). Wangsu: 5 minutes. Shift well past both.
ALIYUN_SHIFT = datetime.timedelta(minutes=20)
WANGSU_SHIFT_SECONDS = 10 * 60

# The emulated Wangsu gateway's rejection messages (HTTP 401, code 401).
WANGSU_INVALID_KEY = "invalid access key"
WANGSU_MISMATCH = "signature does not match"
WANGSU_EXPIRED = "timestamp expired: more than 5 minutes from server time"
WANGSU_REPEATED = "repeated request"

UPLOAD_ADDRESS_KEYS = {"Endpoint", "Bucket", "FileName"}
UPLOAD_AUTH_KEYS = {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration", "ExpireUTCTime", "Region"}

# (Title, FileName) pairs: Unicode, spaces, and every character RPC encoders get wrong.
ALIYUN_CASES = [
    ("plain title", "plain.mp4"),
    ("测试 视频 标题", "测试 视频.mp4"),
    ("specials *~()!'+/=&%", "a b*~()!'+=&%.mov"),
    ("  leading and trailing spaces  ", "dir/sub dir/clip name.MP4"),
    ("Ünïcödé ñ ß Ωμέγα Жж עברית", "🎬 emoji in the file name.mkv"),
    ("percent %20 %2A %7E plus + and tilde ~", "100%+real=file&name.flv"),
]

# Wangsu originFileName (at most 40 characters) and fileId pairs.
WANGSU_CASES = [
    ("测试视频.mp4", "xcheck-cn"),
    ("a b *~()!'+=&% 视频.mp4", "xcheck-specials"),
    ("Ünïcödé ñ ß Ωμέγα 🎬.mov", "xcheck-uni"),
]


# ---------------------------------------------------------------------------------------------
# Reporting


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return ok

    def run(self, name, fn, *args):
        """Runs a group of checks; an unexpected exception is one failed check."""
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - any crash is a failed check, the run goes on
            self.check(f"{name}: ran without an exception", False, f"{type(exc).__name__}: {exc}")
            traceback.print_exc(limit=4, file=sys.stdout)


CHECKS = Checks()
check = CHECKS.check


# ---------------------------------------------------------------------------------------------
# Helpers


def send(endpoint, method, target, headers, body=b""):
    """Sends exactly these headers (Host included) and body; returns (status, headers, body)."""
    conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=15)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        names = set()
        for name, value in headers:
            conn.putheader(name, value.encode("utf-8") if isinstance(value, str) else value)
            names.add(name.lower())
        if body or method in ("POST", "PUT"):
            if "content-length" not in names:
                conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def encode_query(pairs):
    """Aliyun-style percent-encoding (space %20, `*` %2A, `~` literal) of name=value pairs."""
    return "&".join(
        f"{urllib.parse.quote(str(k), safe='~')}={urllib.parse.quote(str(v), safe='~')}" for k, v in pairs
    )


def change_char(text, index=-1, alphabet="0123456789abcdef"):
    """`text` with the character at `index` replaced by another one from `alphabet`
    (a different byte: the replacement differs from the original even ignoring case)."""
    index %= len(text)
    old = text[index]
    new = next(c for c in alphabet if c.lower() != old.lower())
    return text[:index] + new + text[index + 1:]


def change_digit(text, index=-1):
    """`text` with its `index`-th digit (counting digits only) incremented mod 10."""
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    i = positions[index]
    return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]


def change_secret(secret):
    """The secret with its last byte changed."""
    return secret[:-1] + chr(ord(secret[-1]) ^ 1)


def b64_json(value):
    try:
        return json.loads(base64.b64decode(value, validate=True))
    except (ValueError, TypeError):
        return None


def aliyun_error(status, body):
    data = json_or_none(body) or {}
    return status, data.get("Code"), data.get("Message", "")


def expect_aliyun_error(name, response, code, status=400):
    got_status, got_code, message = aliyun_error(response[0], response[2])
    return check(
        f"{name}: rejected with {status} {code}",
        (got_status, got_code) == (status, code),
        f"got {got_status} {got_code} {message[:160]!r}",
    )


def check_upload_body(name, body, expect_video_id=None):
    """Checks a CreateUploadVideo/RefreshUploadVideo answer; returns (address, auth)."""
    missing = [k for k in ("RequestId", "VideoId", "UploadAddress", "UploadAuth") if not body.get(k)]
    check(f"{name}: RequestId, VideoId, UploadAddress, UploadAuth present", not missing, f"missing {missing}")
    video_id = body.get("VideoId") or ""
    check(f"{name}: VideoId is 32 hex digits", re.fullmatch(r"[0-9a-f]{32}", video_id) is not None, video_id)
    if expect_video_id is not None:
        check(f"{name}: same VideoId", video_id == expect_video_id, f"{video_id} != {expect_video_id}")
    address = b64_json(body.get("UploadAddress") or "")
    auth = b64_json(body.get("UploadAuth") or "")
    check(
        f"{name}: UploadAddress is base64 JSON with {sorted(UPLOAD_ADDRESS_KEYS)}",
        isinstance(address, dict) and UPLOAD_ADDRESS_KEYS <= set(address),
        repr(address),
    )
    auth_ok = (
        isinstance(auth, dict)
        and UPLOAD_AUTH_KEYS <= set(auth)
        and str(auth["AccessKeyId"]).startswith("STS.")
        and str(auth["Expiration"]).isdigit()
    )
    check(
        f"{name}: UploadAuth is base64 JSON with {sorted(UPLOAD_AUTH_KEYS)}",
        auth_ok,
        repr(sorted(auth)) if isinstance(auth, dict) else repr(auth),
    )
    return address, auth


def check_refresh(name, created, refreshed):
    _, created_auth = created
    refreshed_address, refreshed_auth = refreshed
    check(f"{name}: refresh keeps UploadAddress", created[0] == refreshed_address,
          f"{created[0]} != {refreshed_address}")
    check(
        f"{name}: refresh issues a new UploadAuth",
        isinstance(created_auth, dict) and isinstance(refreshed_auth, dict)
        and created_auth.get("SecurityToken") != refreshed_auth.get("SecurityToken"),
    )


# ---------------------------------------------------------------------------------------------
# Aliyun RPC through the classic SDK (aliyunsdkcore + aliyunsdkvod)


def aliyun_rpc_classic(endpoint, key, sts_key):
    for index, (title, file_name) in enumerate(ALIYUN_CASES):
        caller = sts_key if index == len(ALIYUN_CASES) - 1 else key
        method = "GET" if index % 2 else "POST"
        name = f"aliyun rpc classic {method}{' sts' if caller.get('token') else ''} {title!r}"
        client = acs_client(caller)
        create = classic_request(CreateUploadVideoRequest(), endpoint, method)
        create.set_Title(title)
        create.set_FileName(file_name)
        if index == 0:
            create.set_Tags("a,b,标签")
            create.set_Description("描述 with *~()!'+/=&%")
            create.set_FileSize(1048576)
            create.set_UserData('{"Extend":{"k":"值"}}')
        created_body = json.loads(client.do_action_with_exception(create))
        created = check_upload_body(f"{name}: create accepted", created_body)
        file_name_sent = created[0].get("FileName", "") if isinstance(created[0], dict) else ""
        ext = file_name.rsplit(".", 1)[1].lower()
        check(f"{name}: object key keeps the extension .{ext}", file_name_sent.endswith("." + ext), file_name_sent)

        refresh = classic_request(RefreshUploadVideoRequest(), endpoint, method)
        refresh.set_VideoId(created_body["VideoId"])
        refreshed_body = json.loads(client.do_action_with_exception(refresh))
        refreshed = check_upload_body(f"{name}: refresh accepted", refreshed_body, created_body["VideoId"])
        check_refresh(name, created, refreshed)

    # The SDK compares the string to sign quoted in a SignatureDoesNotMatch message with its own
    # and, when they are equal, reports InvalidAccessKeySecret: the emulator's canonical form
    # must be the SDK's byte for byte for that to happen.
    bad = dict(key, secret=change_secret(key["secret"]))
    request = classic_request(CreateUploadVideoRequest(), endpoint, "POST")
    request.set_Title("specials *~()!'+/=&% 测试")
    request.set_FileName("a b.mp4")
    try:
        acs_client(bad).do_action_with_exception(request)
        check("aliyun rpc classic wrong secret: rejected", False, "accepted")
    except ServerException as exc:
        check(
            "aliyun rpc classic wrong secret: SDK reports InvalidAccessKeySecret (server's string to sign = SDK's)",
            (exc.get_http_status(), exc.get_error_code()) == (400, "InvalidAccessKeySecret"),
            f"{exc.get_http_status()} {exc.get_error_code()} {exc.get_error_msg()[:160]!r}",
        )

    request = classic_request(RefreshUploadVideoRequest(), endpoint, "POST")
    request.set_VideoId("0" * 32)
    try:
        acs_client(key).do_action_with_exception(request)
        check("aliyun rpc classic refresh of an unknown video: rejected", False, "accepted")
    except ServerException as exc:
        check(
            "aliyun rpc classic refresh of an unknown video: 404 InvalidVideo.NotFound",
            (exc.get_http_status(), exc.get_error_code()) == (404, "InvalidVideo.NotFound"),
            f"{exc.get_http_status()} {exc.get_error_code()}",
        )


# ---------------------------------------------------------------------------------------------
# Aliyun through the V3 SDK (alibabacloud-vod20170321 on alibabacloud-tea-openapi)


class Captured(Exception):
    """Raised instead of sending, to take the request the V3 SDK built."""


@contextlib.contextmanager
def v3_capture(send_it=True):
    """Records every request the V3 SDK hands to its transport; unless `send_it`, sends none."""
    requests = []
    original = DaraCore.do_action

    def do_action(request, runtime=None):
        requests.append(request)
        if not send_it:
            raise Captured()
        return original(request, runtime)

    DaraCore.do_action = staticmethod(do_action)
    try:
        yield requests
    finally:
        DaraCore.do_action = original


def v3_client(endpoint, key, signature_algorithm=None):
    config = OpenApiConfig(
        access_key_id=key["id"],
        access_key_secret=key["secret"],
        security_token=key.get("token"),
        endpoint=endpoint.netloc,
        protocol="http",
        region_id="cn-shanghai",
        read_timeout=15000,
        connect_timeout=5000,
    )
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return VodClient(config)


def aliyun_v3(endpoint, key, sts_key, signature_algorithm, label):
    for index, (title, file_name) in enumerate(ALIYUN_CASES):
        caller = sts_key if index == len(ALIYUN_CASES) - 1 else key
        name = f"aliyun {label}{' sts' if caller.get('token') else ''} {title!r}"
        client = v3_client(endpoint, caller, signature_algorithm)
        with v3_capture() as sent:
            response = client.create_upload_video(vod_models.CreateUploadVideoRequest(title=title, file_name=file_name))
        authorization = sent[-1].headers.get("Authorization", "")
        if signature_algorithm is None:
            check(f"{name}: the SDK signed with ACS3-HMAC-SHA256",
                  authorization.startswith(ACS3 + " ") and "Signature" not in sent[-1].query, authorization[:40])
        else:
            check(f"{name}: the SDK signed with RPC HMAC-SHA1",
                  not authorization and sent[-1].query.get("SignatureMethod") == "HMAC-SHA1", repr(sent[-1].query)[:80])
        created_body = response.body.to_map()
        check(f"{name}: create answered 200", response.status_code == 200, str(response.status_code))
        created = check_upload_body(f"{name}: create accepted", created_body)
        with v3_capture():
            response = client.refresh_upload_video(
                vod_models.RefreshUploadVideoRequest(video_id=created_body["VideoId"]))
        refreshed = check_upload_body(f"{name}: refresh accepted", response.body.to_map(), created_body["VideoId"])
        check_refresh(name, created, refreshed)

    bad = dict(key, secret=change_secret(key["secret"]))
    try:
        v3_client(endpoint, bad, signature_algorithm).create_upload_video(
            vod_models.CreateUploadVideoRequest(title="t", file_name="a.mp4"))
        check(f"aliyun {label} wrong secret: rejected", False, "accepted")
    except Exception as exc:  # the V3 SDK raises its ClientException (tea-openapi models)
        status, code = getattr(exc, "status_code", None), getattr(exc, "code", None)
        check(f"aliyun {label} wrong secret: SDK raises 400 SignatureDoesNotMatch",
              (status, code) == (400, "SignatureDoesNotMatch"), f"{type(exc).__name__} {status} {code}")


# ---------------------------------------------------------------------------------------------
# Aliyun RPC tampering, signed with the classic SDK's own signer


@contextlib.contextmanager
def pinned_rpc_clock(timestamp, nonce):
    """The RPC signer takes Timestamp and SignatureNonce from these two SDK helpers."""
    saved = parameter_helper.get_iso_8061_date, parameter_helper.get_uuid
    parameter_helper.get_iso_8061_date = lambda: timestamp
    parameter_helper.get_uuid = lambda: nonce
    try:
        yield
    finally:
        parameter_helper.get_iso_8061_date, parameter_helper.get_uuid = saved


def rpc_signed(params, key, secret, method, timestamp, nonce):
    """Signs with aliyunsdkcore's get_signed_url, as AcsClient does; returns (pairs, string to sign)."""
    url_params = dict(params)
    if key.get("token"):
        url_params["SecurityToken"] = key["token"]
    with pinned_rpc_clock(timestamp, nonce):
        _url, string_to_sign = rpc_signature_composer.get_signed_url(
            url_params, key["id"], secret, "JSON", method, {})
    return list(url_params.items()), string_to_sign


def rpc_send(endpoint, method, pairs):
    return send(endpoint, method, "/?" + encode_query(pairs), [("Host", endpoint.netloc), ("Accept", "application/json")])


def replace_pair(pairs, name, value):
    return [(k, value if k == name else v) for k, v in pairs]


def quoted_string_to_sign(body):
    message = (json_or_none(body) or {}).get("Message", "")
    return message.split("server string to sign is:", 1)[1] if "server string to sign is:" in message else None


def aliyun_rpc_tamper(endpoint, key, label):
    method = "POST"
    name = f"aliyun rpc tamper{label}"
    params = {
        "Action": "CreateUploadVideo",
        "Version": API_VERSION,
        "RegionId": "cn-shanghai",
        "Title": "tamper 测试 *~()!'+/=&%",
        "FileName": "tamper clip.mp4",
    }
    timestamp, nonce = parameter_helper.get_iso_8061_date(), parameter_helper.get_uuid()
    good, string_to_sign = rpc_signed(params, key, key["secret"], method, timestamp, nonce)
    signature = dict(good)["Signature"]
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    response = rpc_send(endpoint, method, replace_pair(good, "Signature", change_char(signature, 0, b64)))
    expect_aliyun_error(f"{name}: one byte of Signature changed", response, "SignatureDoesNotMatch")

    forged, _ = rpc_signed(params, key, change_secret(key["secret"]), method, timestamp, nonce)
    response = rpc_send(endpoint, method, forged)
    expect_aliyun_error(f"{name}: signed with one byte of the secret changed", response, "SignatureDoesNotMatch")
    check(f"{name}: wrong secret: the quoted string to sign is the SDK's",
          quoted_string_to_sign(response[2]) == string_to_sign, repr(quoted_string_to_sign(response[2]))[:120])

    title = dict(good)["Title"]
    response = rpc_send(endpoint, method, replace_pair(good, "Title", change_char(title, 0, "xyz")))
    expect_aliyun_error(f"{name}: one byte of the signed Title changed", response, "SignatureDoesNotMatch")
    quoted = quoted_string_to_sign(response[2])
    check(f"{name}: changed Title: the quoted string to sign differs from the SDK's",
          quoted is not None and quoted != string_to_sign, repr(quoted)[:120])

    response = rpc_send(endpoint, method, replace_pair(good, "Timestamp", change_digit(timestamp)))
    expect_aliyun_error(f"{name}: one digit of Timestamp changed (inside the window)", response, "SignatureDoesNotMatch")

    now = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ")
    for direction, shifted in (("behind", now - ALIYUN_SHIFT), ("ahead", now + ALIYUN_SHIFT)):
        stale, _ = rpc_signed(params, key, key["secret"], method, shifted.strftime("%Y-%m-%dT%H:%M:%SZ"), nonce)
        response = rpc_send(endpoint, method, stale)
        expect_aliyun_error(f"{name}: Timestamp 20 min {direction}, correctly signed", response,
                            "InvalidTimeStamp.Expired")

    if key.get("token"):
        response = rpc_send(endpoint, method, replace_pair(good, "SecurityToken", change_char(key["token"], -1)))
        expect_aliyun_error(f"{name}: one byte of SecurityToken changed", response, "InvalidSecurityToken.Mismatch")
        response = rpc_send(endpoint, method, [(k, v) for k, v in good if k != "SecurityToken"])
        expect_aliyun_error(f"{name}: SecurityToken left out", response, "MissingSecurityToken")

    unknown = dict(key, id=key["id"] + "-unknown")
    forged, _ = rpc_signed(params, unknown, key["secret"], method, timestamp, nonce)
    response = rpc_send(endpoint, method, forged)
    expect_aliyun_error(f"{name}: unknown AccessKeyId", response, "InvalidAccessKeyId.NotFound", 404)

    status, _, body = rpc_send(endpoint, method, good)
    check(f"{name}: the untouched request is then accepted (forgeries burnt no nonce)",
          status == 200 and "VideoId" in (json_or_none(body) or {}), f"{status} {body[:160]!r}")
    response = rpc_send(endpoint, method, good)
    expect_aliyun_error(f"{name}: the same request replayed", response, "SignatureNonceUsed")


# ---------------------------------------------------------------------------------------------
# Aliyun ACS3 tampering, on the request the V3 SDK built, re-signed with its own signer


def acs3_capture(endpoint, key, title, file_name):
    """The request the V3 SDK would send for CreateUploadVideo (not sent)."""
    with v3_capture(send_it=False) as built:
        try:
            v3_client(endpoint, key).create_upload_video(
                vod_models.CreateUploadVideoRequest(title=title, file_name=file_name))
        except Exception:  # noqa: BLE001 - the SDK wraps Captured in its retry exception
            pass
    if not built:
        raise RuntimeError("the V3 SDK built no request")
    request = built[-1]
    return types.SimpleNamespace(
        method=request.method,
        pathname=request.pathname,
        query=dict(request.query),
        headers=dict(request.headers),
        body=request.body,
    )


def acs3_resign(request, key, secret, **header_changes):
    """A copy of `request` with headers changed and a new Authorization from the SDK's signer."""
    copy = types.SimpleNamespace(**vars(request))
    copy.query = dict(request.query)
    copy.headers = {k: v for k, v in request.headers.items() if k != "Authorization"}
    copy.headers.update(header_changes)
    body = copy.body.encode("utf-8") if isinstance(copy.body, str) else (copy.body or b"")
    copy.headers["x-acs-content-sha256"] = hashlib.sha256(body).hexdigest()
    copy.headers["Authorization"] = OpenApiUtils.get_authorization(
        copy, ACS3, copy.headers["x-acs-content-sha256"], key["id"], secret)
    return copy


def acs3_send(endpoint, request, headers=None, query=None, body=None):
    headers = dict(request.headers if headers is None else headers)
    query = request.query if query is None else query
    body = request.body if body is None else body
    body = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    target = request.pathname + ("?" + encode_query(sorted(query.items())) if query else "")
    return send(endpoint, request.method, target, list(headers.items()), body)


def with_signature(authorization, signature):
    return re.sub(r"Signature=[0-9a-fA-F]+", "Signature=" + signature, authorization)


def aliyun_acs3_tamper(endpoint, key, label):
    name = f"aliyun acs3 tamper{label}"
    good = acs3_capture(endpoint, key, "tamper 测试 *~()!'+/=&%", "tamper clip.mp4")
    authorization = good.headers["Authorization"]
    check(f"{name}: re-signing the SDK's request with the SDK's signer gives its Authorization",
          acs3_resign(good, key, key["secret"]).headers["Authorization"] == authorization)
    signature = re.search(r"Signature=([0-9a-f]+)", authorization).group(1)

    headers = dict(good.headers, Authorization=with_signature(authorization, change_char(signature, 0)))
    response = acs3_send(endpoint, good, headers=headers)
    expect_aliyun_error(f"{name}: one byte of the signature changed", response, "SignatureDoesNotMatch")

    response = acs3_send(endpoint, acs3_resign(good, key, change_secret(key["secret"])))
    expect_aliyun_error(f"{name}: signed with one byte of the secret changed", response, "SignatureDoesNotMatch")

    query = dict(good.query, Title=change_char(good.query["Title"], 0, "xyz"))
    response = acs3_send(endpoint, good, query=query)
    expect_aliyun_error(f"{name}: one byte of the signed Title changed", response, "SignatureDoesNotMatch")

    date = good.headers["x-acs-date"]
    headers = dict(good.headers, **{"x-acs-date": change_digit(date)})
    response = acs3_send(endpoint, good, headers=headers)
    expect_aliyun_error(f"{name}: one digit of x-acs-date changed (inside the window)", response,
                        "SignatureDoesNotMatch")

    now = datetime.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ")
    for direction, shifted in (("behind", now - ALIYUN_SHIFT), ("ahead", now + ALIYUN_SHIFT)):
        stale = acs3_resign(good, key, key["secret"], **{"x-acs-date": shifted.strftime("%Y-%m-%dT%H:%M:%SZ")})
        response = acs3_send(endpoint, stale)
        expect_aliyun_error(f"{name}: x-acs-date 20 min {direction}, correctly signed", response,
                            "InvalidTimeStamp.Expired")

    # A body the SDK's signer covers (x-acs-content-sha256), then one byte of it changed.
    form = "Description=" + urllib.parse.quote("正文 body *~()!'+/=&%", safe="~")
    with_body = types.SimpleNamespace(**dict(vars(good), body=form))
    with_body.headers = dict(good.headers, **{
        "content-type": "application/x-www-form-urlencoded",
        "x-acs-signature-nonce": good.headers["x-acs-signature-nonce"][::-1],
    })
    with_body = acs3_resign(with_body, key, key["secret"])
    response = acs3_send(endpoint, with_body, body=change_char(form, 0, "xyz"))
    expect_aliyun_error(f"{name}: one byte of a signed form body changed", response, "SignatureDoesNotMatch")
    status, _, body = acs3_send(endpoint, with_body)
    check(f"{name}: the untouched form-body request is then accepted", status == 200, f"{status} {body[:160]!r}")

    if key.get("token"):
        headers = dict(good.headers, **{"x-acs-security-token": change_char(key["token"], -1)})
        response = acs3_send(endpoint, good, headers=headers)
        expect_aliyun_error(f"{name}: one byte of x-acs-security-token changed", response,
                            "InvalidSecurityToken.Mismatch")

    status, _, body = acs3_send(endpoint, good)
    check(f"{name}: the untouched SDK request is then accepted (forgeries burnt no nonce)",
          status == 200 and "VideoId" in (json_or_none(body) or {}), f"{status} {body[:160]!r}")
    response = acs3_send(endpoint, good)
    expect_aliyun_error(f"{name}: the same request replayed", response, "SignatureNonceUsed")


# ---------------------------------------------------------------------------------------------
# Wangsu WS3 and CNC through wangsu-sdk-python's AkSkAuth

def wangsu_signed(endpoint, key, algorithm, body, secret=None, timestamp=None, method="POST", uri=UPLOAD_TOKEN_PATH):
    """The SDK's request message for `body`, with the headers its invoke path sets and signs."""
    with wangsu_variant(algorithm, timestamp):
        msg = AkSkAuth.transfer_http_request_msg(wangsu_config(endpoint, key, method, uri), body)
        AkSkAuth.get_auth_and_set_headers(msg, key["id"], secret or key["secret"], {})
    return msg


def wangsu_send(endpoint, msg, headers=None, body=None):
    headers = msg.headers if headers is None else headers
    body = msg.body if body is None else body
    body = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    target = urllib.parse.urlsplit(msg.url)
    path = target.path + ("?" + target.query if target.query else "")
    return send(endpoint, msg.method, path, list(headers.items()), body)


def check_token_answer(name, algorithm, status, headers, body):
    data = json_or_none(body) or {}
    payload = data.get("data") or {}
    ok = status == 200 and data.get("code") == 200 and payload.get("uploadToken")
    check(f"{name}: accepted (HTTP 200, code 200, uploadToken)", bool(ok), f"{status} {body[:200]!r}")
    request_id_header = VARIANTS[algorithm][2]
    check(f"{name}: request id in {request_id_header}", bool(headers.get(request_id_header)))
    parts = str(payload.get("uploadToken", "")).split(":")
    policy = None
    if len(parts) == 3:
        try:
            policy = json.loads(base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)))
        except ValueError:
            policy = None
    deadline = int((policy or {}).get("deadline", 0))
    now_ms = int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)
    check(f"{name}: uploadToken is AK:sign:policy with a future deadline in ms",
          len(parts) == 3 and deadline > now_ms, f"{parts[:1]} deadline={deadline}")
    missing = [k for k in ("uploadUrl", "fileKey", "videoId") if not payload.get(k)]
    check(f"{name}: uploadUrl, fileKey, videoId present", not missing, f"missing {missing}")
    return payload


def wangsu_sdk(endpoint, key):
    for algorithm in VARIANTS:
        short = algorithm.split("-")[0].lower()
        for index, (file_name, file_id) in enumerate(WANGSU_CASES):
            name = f"wangsu {short} sdk invoke {file_name!r}"
            body = json.dumps({"originFileName": file_name, "fileId": f"{file_id}-{short}"})
            # The SDK's whole path: AkSkConfig -> AkSkAuth.invoke -> requests. It returns only the
            # body text. Its clock is pinned so that the calls below fall in known seconds.
            now = int(time.time())
            with wangsu_variant(algorithm, now):
                text = AkSkAuth.invoke(wangsu_config(endpoint, key), body)
            first = json_or_none(text) or {}
            check(f"{name}: code 200 with an uploadToken",
                  first.get("code") == 200 and bool((first.get("data") or {}).get("uploadToken")), text[:200])
            if index == 0:
                # WS3/CNC carry no nonce: the same call in the same second is the same signed
                # request, which the gateway refuses as a replay.
                with wangsu_variant(algorithm, now):
                    text = AkSkAuth.invoke(wangsu_config(endpoint, key), body)
                data = json_or_none(text) or {}
                check(f"{name}: the identical call in the same second is refused as a repeated request",
                      (data.get("code"), data.get("message")) == (401, WANGSU_REPEATED), text[:200])
            with wangsu_variant(algorithm, now + 1):
                text = AkSkAuth.invoke(wangsu_config(endpoint, key), body)
            again = json_or_none(text) or {}
            check(f"{name}: called again a second later: code 200 with an uploadToken",
                  again.get("code") == 200 and bool((again.get("data") or {}).get("uploadToken")), text[:200])
            first, again = first.get("data") or {}, again.get("data") or {}
            check(f"{name}: repeated fileId gives the same videoId and fileKey",
                  bool(first.get("videoId")) and
                  (first.get("videoId"), first.get("fileKey")) == (again.get("videoId"), again.get("fileKey")),
                  f"{first.get('videoId')} / {again.get('videoId')}")

        # What the SDK's invoke path sends besides the signature headers.
        headers = {k.lower(): v for k, v in wangsu_signed(endpoint, key, algorithm, "{}").headers.items()}
        check(f"wangsu {short} sdk: sends Content-Type: application/json and x-cnc-auth-method: AKSK",
              (headers.get("content-type"), headers.get("x-cnc-auth-method")) == ("application/json", "AKSK"),
              repr(sorted(headers)))

        # Raw UTF-8 JSON (not \uXXXX escapes), signed by the SDK's signer, sent by us.
        body = json.dumps({"originFileName": "原始 UTF-8 视频 *~()!'+.mp4", "fileId": f"raw-{short}"},
                          ensure_ascii=False)
        msg = wangsu_signed(endpoint, key, algorithm, body)
        status, headers, answer = wangsu_send(endpoint, msg)
        first = check_token_answer(f"wangsu {short} raw UTF-8 body", algorithm, status, headers, answer)
        status, headers, answer = wangsu_send(endpoint, wangsu_signed(endpoint, key, algorithm, body + " "))
        again = (json_or_none(answer) or {}).get("data") or {}
        check(f"wangsu {short} raw UTF-8 body: repeated fileId gives the same videoId and fileKey",
              first.get("videoId") and (first.get("videoId"), first.get("fileKey")) ==
              (again.get("videoId"), again.get("fileKey")), f"{status} {answer[:160]!r}")
        check(f"wangsu {short} raw UTF-8 body: fileKey keeps the extension", str(first.get("fileKey", "")).endswith(".mp4"))

        # GET: the SDK signs the URL-decoded query.
        query = encode_query([("originFileName", "查询 get.mp4"), ("fileId", f"get-{short}")])
        msg = wangsu_signed(endpoint, key, algorithm, None, method="GET", uri=f"{UPLOAD_TOKEN_PATH}?{query}")
        status, headers, answer = wangsu_send(endpoint, msg)
        check_token_answer(f"wangsu {short} GET with a Unicode query", algorithm, status, headers, answer)


def expect_wangsu_reject(name, response, message):
    status, _, body = response
    data = json_or_none(body) or {}
    return check(f"{name}: rejected with 401 {message!r}",
                 (status, data.get("code"), data.get("message")) == (401, 401, message), f"{status} {body[:160]!r}")


def wangsu_tamper(endpoint, key):
    for algorithm in VARIANTS:
        short = algorithm.split("-")[0].lower()
        name = f"wangsu {short} tamper"
        body = json.dumps({"originFileName": "篡改 tamper.mp4", "fileId": f"tamper-{short}"})
        good = wangsu_signed(endpoint, key, algorithm, body)
        authorization = good.headers["Authorization"]
        timestamp_header = VARIANTS[algorithm][1]
        timestamp = int(good.headers[timestamp_header])
        signature = authorization.rsplit("Signature=", 1)[1]

        headers = dict(good.headers, Authorization=authorization[: -len(signature)] + change_char(signature, 0))
        expect_wangsu_reject(f"{name}: one byte of the signature changed", wangsu_send(endpoint, good, headers=headers),
                             WANGSU_MISMATCH)

        forged = wangsu_signed(endpoint, key, algorithm, body, secret=change_secret(key["secret"]), timestamp=timestamp)
        check(f"{name}: the forgery differs only in its signature",
              {k: v for k, v in forged.headers.items() if k != "Authorization"} ==
              {k: v for k, v in good.headers.items() if k != "Authorization"})
        expect_wangsu_reject(f"{name}: signed with one byte of the secret changed", wangsu_send(endpoint, forged),
                             WANGSU_MISMATCH)

        tampered = body.replace("tamper.mp4", "tamper.mp5")
        expect_wangsu_reject(f"{name}: one byte of the body changed", wangsu_send(endpoint, good, body=tampered),
                             WANGSU_MISMATCH)

        headers = dict(good.headers, **{timestamp_header: change_digit(good.headers[timestamp_header])})
        expect_wangsu_reject(f"{name}: one digit of {timestamp_header} changed (inside the window)",
                             wangsu_send(endpoint, good, headers=headers), WANGSU_MISMATCH)

        for direction, shifted in (("behind", timestamp - WANGSU_SHIFT_SECONDS), ("ahead", timestamp + WANGSU_SHIFT_SECONDS)):
            stale = wangsu_signed(endpoint, key, algorithm, body, timestamp=shifted)
            expect_wangsu_reject(f"{name}: {timestamp_header} 10 min {direction}, correctly signed",
                                 wangsu_send(endpoint, stale), WANGSU_EXPIRED)

        unknown = dict(key, id=key["id"] + "-unknown")
        expect_wangsu_reject(f"{name}: unknown access key",
                             wangsu_send(endpoint, wangsu_signed(endpoint, unknown, algorithm, body, secret=key["secret"])),
                             WANGSU_INVALID_KEY)

        status, headers, answer = wangsu_send(endpoint, good)
        check_token_answer(f"{name}: the untouched request is then", algorithm, status, headers, answer)
        expect_wangsu_reject(f"{name}: the same request replayed", wangsu_send(endpoint, good), WANGSU_REPEATED)


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aliyun-url", required=True)
    parser.add_argument("--wangsu-url", required=True)
    parser.add_argument("--key", required=True, type=lambda t: parse_key(t, False))
    parser.add_argument("--sts-key", required=True, type=lambda t: parse_key(t, True))
    args = parser.parse_args()

    versions = ", ".join(
        f"{p} {importlib.metadata.version(p)}"
        for p in ("aliyun-python-sdk-core", "aliyun-python-sdk-vod", "alibabacloud-vod20170321",
                  "alibabacloud-tea-openapi", "wangsu-sdk-python")
    )
    print(f"SDKs: {versions}")
    aliyun, wangsu = Endpoint(args.aliyun_url), Endpoint(args.wangsu_url)
    # The SDKs log every rejection they receive; the checks below report those themselves.
    for logger in ("aliyunsdkcore", "wangsu"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)

    CHECKS.run("aliyun rpc classic", aliyun_rpc_classic, aliyun, args.key, args.sts_key)
    CHECKS.run("aliyun rpc v3-sdk", aliyun_v3, aliyun, args.key, args.sts_key, "v2", "rpc v3-sdk")
    CHECKS.run("aliyun acs3 v3-sdk", aliyun_v3, aliyun, args.key, args.sts_key, None, "acs3 v3-sdk")
    CHECKS.run("aliyun rpc tamper", aliyun_rpc_tamper, aliyun, args.key, "")
    CHECKS.run("aliyun rpc tamper sts", aliyun_rpc_tamper, aliyun, args.sts_key, " sts")
    CHECKS.run("aliyun acs3 tamper", aliyun_acs3_tamper, aliyun, args.key, "")
    CHECKS.run("aliyun acs3 tamper sts", aliyun_acs3_tamper, aliyun, args.sts_key, " sts")
    CHECKS.run("wangsu sdk", wangsu_sdk, wangsu, args.key)
    CHECKS.run("wangsu tamper", wangsu_tamper, wangsu, args.key)

    print(f"{CHECKS.passed} passed, {CHECKS.failed} failed")
    return 1 if CHECKS.failed or not CHECKS.passed else 0


if __name__ == "__main__":
    sys.exit(main())
