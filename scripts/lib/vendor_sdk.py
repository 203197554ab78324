"""What the scripts that drive vod-emulator with the vendors' official Python SDKs share.

Used by scripts/crosscheck/emulator_sdk.py and storage_sdk.py (checks) and by
scripts/bench/upload.py and sdk_upload.py (the upload benchmark); each puts this directory on
sys.path. It holds the way an SDK is pointed at the emulator (endpoints, keys, the Wangsu
signature variant), the credential calls an upload starts with (CreateUploadVideo through the
classic Aliyun SDK, getUploadToken through wangsu-sdk-python), the oss2 bucket an STS key
opens, the emulator's storage listing, and the file digests its entries are compared with.

Every SDK is imported inside the function that needs it, not here: the benchmark runs each
official uploader in a process of its own and reports its peak memory, which must be that of
the uploader's SDK alone, not of every SDK this module can call.
"""

import argparse
import base64
import contextlib
import hashlib
import json
import time
import types
import urllib.parse
import urllib.request

REGION = "cn-shanghai"
MIB = 1024 * 1024
UPLOAD_TOKEN_PATH = "/vod/videoManage/getUploadToken"

# Wangsu's two header-signature variants: algorithm -> (access key header, timestamp header,
# request id header).
VARIANTS = {
    "WS3-HMAC-SHA256": ("X-WS-AccessKey", "X-WS-Timestamp", "X-WS-RequestId"),
    "CNC-HMAC-SHA256": ("x-cnc-accessKey", "x-cnc-timestamp", "x-cnc-request-id"),
}

# Files are read in pieces of this size, so digesting a large file needs little memory.
READ_SIZE = 4 * MIB


class Endpoint:
    """An emulator base URL, http://HOST:PORT."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
            raise SystemExit(f"expected http://HOST:PORT, got {url!r}")
        self.url = url.rstrip("/")
        self.host, self.port = parsed.hostname, parsed.port
        self.netloc = f"{self.host}:{self.port}"


def parse_key(text, with_token):
    """AK:SECRET (or AK:SECRET:TOKEN) as {"id", "secret", "token"}, for argparse."""
    parts = text.split(":", 2)
    if len(parts) != (3 if with_token else 2) or not all(parts):
        raise argparse.ArgumentTypeError(f"expected AK:SECRET{':TOKEN' if with_token else ''}")
    return {"id": parts[0], "secret": parts[1], "token": parts[2] if with_token else None}


# Aliyun VOD through the classic SDK (aliyunsdkcore + aliyunsdkvod)


def acs_client(key):
    from aliyunsdkcore.auth.credentials import StsTokenCredential
    from aliyunsdkcore.client import AcsClient

    if key.get("token"):
        credential = StsTokenCredential(key["id"], key["secret"], key["token"])
        return AcsClient(credential=credential, region_id=REGION, auto_retry=False, timeout=15)
    return AcsClient(key["id"], key["secret"], REGION, auto_retry=False, timeout=15)


def classic_request(request, endpoint, method):
    # The SDK resolves vod.{region}.aliyuncs.com unless the request names its endpoint; port and
    # scheme follow from the endpoint text ("host:port") and the request's protocol.
    request.set_endpoint(endpoint.netloc)
    request.set_protocol_type("http")
    request.set_method(method)
    return request


def create_upload_video(aliyun, key, file_name, title="storage crosscheck"):
    """CreateUploadVideo through the official classic SDK: (UploadAddress, UploadAuth, VideoId),
    the first two decoded from their base64 JSON."""
    from aliyunsdkvod.request.v20170321.CreateUploadVideoRequest import CreateUploadVideoRequest

    request = classic_request(CreateUploadVideoRequest(), aliyun, "POST")
    request.set_Title(title)
    request.set_FileName(file_name)
    body = json.loads(acs_client(key).do_action_with_exception(request))
    decode = lambda field: json.loads(base64.b64decode(body[field]))  # noqa: E731
    return decode("UploadAddress"), decode("UploadAuth"), body.get("VideoId")


# OSS through oss2, with the STS key of a CreateUploadVideo answer


def oss_bucket(address, auth, version, secret=None):
    """oss2's Bucket for an UploadAddress and UploadAuth, signing with `version`
    (oss2.AUTH_VERSION_1 or AUTH_VERSION_4); `secret` replaces the key's secret."""
    import oss2

    sts = oss2.StsAuth(auth["AccessKeyId"], secret or auth["AccessKeySecret"], auth["SecurityToken"],
                       auth_version=version)
    return oss2.Bucket(sts, address["Endpoint"], address["Bucket"], region=auth.get("Region", REGION))


# Wangsu Cloud VoD through wangsu-sdk-python's AkSkAuth


@contextlib.contextmanager
def wangsu_variant(algorithm, timestamp=None):
    """The SDK reads its algorithm and header names from Constant when it signs (it ships with
    CNC only), and its clock from `time.time` in the AkSkAuth module; both are set here. Its
    requests always go to https://; the emulator speaks http."""
    import wangsu.common.auth.AkSkAuth as aksk_module
    from wangsu.common.Constant.Constant import Constant as WangsuConstant

    names = ("HEAD_SIGN_ALGORITHM", "HEAD_SIGN_ACCESS_KEY", "HEAD_SIGN_TIMESTAMP", "HTTPS_REQUEST_PREFIX")
    saved = [getattr(WangsuConstant, n) for n in names] + [aksk_module.time]
    access_header, timestamp_header, _ = VARIANTS[algorithm]
    for n, v in zip(names, (algorithm, access_header, timestamp_header, "http://")):
        setattr(WangsuConstant, n, v)
    if timestamp is not None:
        aksk_module.time = types.SimpleNamespace(time=lambda: timestamp)
    try:
        yield
    finally:
        for n, v in zip(names, saved):
            setattr(WangsuConstant, n, v)
        aksk_module.time = saved[-1]


def wangsu_config(endpoint, key, method="POST", uri=UPLOAD_TOKEN_PATH):
    from wangsu.common.auth.AkSkConfig import AkSkConfig

    config = AkSkConfig()
    config.access_key, config.secret_key = key["id"], key["secret"]
    config.end_point = endpoint.netloc
    config.uri, config.method = uri, method
    return config


def wangsu_token(wangsu, key, name, timestamp=None):
    """getUploadToken (WS3) through the SDK's whole invoke path: the answer's `data` (uploadUrl,
    uploadToken, fileKey, ...). The emulator refuses a repeated request (the same body signed at
    the same second): ask for one name at most once a second, or pass distinct `timestamp`s."""
    from wangsu.common.auth.AkSkAuth import AkSkAuth

    if timestamp is None:
        timestamp = int(time.time())
    body = json.dumps({"originFileName": name})
    with wangsu_variant("WS3-HMAC-SHA256", timestamp):
        text = AkSkAuth.invoke(wangsu_config(wangsu, key), body)
    return json.loads(text)["data"]


# The emulator's storage and the file's digests


def stored(admin_url, key):
    """The emulator's listing entry for object or file `key` ({vendor, bucket, key, size, md5}),
    or None."""
    with urllib.request.urlopen(admin_url.rstrip("/") + "/__emulator/storage", timeout=30) as response:
        listing = json.load(response)
    return next((o for o in listing if o["key"] == key), None)


def md5_of(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def wcs_hash(path):
    """Wangsu's file hash: SHA-1 of the one 4 MiB block (prefix 0x16), or SHA-1 of the blocks'
    SHA-1s (prefix 0x96), URL-safe base64."""
    blocks = []
    with open(path, "rb") as f:
        while True:
            block = f.read(4 * MIB)
            if not block and blocks:
                break
            blocks.append(hashlib.sha1(block).digest())
            if len(block) < 4 * MIB:
                break
    if len(blocks) == 1:
        raw = b"\x16" + blocks[0]
    else:
        raw = b"\x96" + hashlib.sha1(b"".join(blocks)).digest()
    return base64.urlsafe_b64encode(raw).decode()


def json_or_none(data):
    try:
        return json.loads(data)
    except (ValueError, TypeError):
        return None


def posted(result):
    """wcs-python3-sdk answers (status, text, headers), (status, text) or (-1, exception);
    MultipartUpload's text is already a dict. Returns (status, answer dict, text)."""
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    code = result[0] if result else None
    body = result[1] if len(result) > 1 else ""
    answer = body if isinstance(body, dict) else (json_or_none(str(body)) or {})
    return code, answer, str(body)
