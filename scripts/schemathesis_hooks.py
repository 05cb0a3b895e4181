"""schemathesis hooks of scripts/schemathesis.sh: sign the calls to tenant
validation Lapps as the meetings Lapp signs them.

A tenant Lapp made with lapps/tenant-kit answers only calls signed with the
shared secret for it (`recrules_sdk::hook::sign`): the caller's clock in unix
seconds in the timestamp header, and in the signature header the version
prefix and the hex HMAC-SHA256, keyed with the secret, of
"{timestamp}\n{LappId}\n{env}\n{body}": the LappId is the path segment before
`/validate` of the URL the request is sent to, and env the environment header
sent (`Live` or `Test`; when schemathesis sends none, or another value, the
call is signed with that value as is and the kit refuses it 401 naming the
header). The body schemathesis generates is only known once `requests` has
prepared it, so `before_call` gives the request an `auth` that signs the
prepared request: its exact path, environment and bytes, at the time of
sending. `after_call` counts the tenant Lapp's 200 answers, so the script can
tell the calls were not all refused.

Environment (set by scripts/schemathesis.sh; the header names and prefix read
from sdk/src/hook.rs, where they are defined):
  RECRULES_LAPP_SECRET         the shared secret (`tenant_lapp_secret`)
  RECRULES_ENV_HEADER          `ENV_HEADER`
  RECRULES_TIMESTAMP_HEADER    `TIMESTAMP_HEADER`
  RECRULES_SIGNATURE_HEADER    `SIGNATURE_HEADER`
  RECRULES_SIGNATURE_PREFIX    `SIGNATURE_PREFIX`
  RECRULES_VALIDATE_SEGMENT    `VALIDATE_SEGMENT`
  RECRULES_SIGNED_ANSWERS      a file: one line per 2xx answer of a signed call
"""

import hashlib
import hmac
import os
import time
from urllib.parse import urlsplit

import requests
import schemathesis

# The route prefix of the tenant validation Lapps (`/tenant/{LappId}/validate`).
TENANT_ROUTES = "/tenant/"


def lapp_id(path):
    """The LappId a tenant Lapp's path names: the segment before the last,
    `validate` (`recrules_sdk::hook::lapp_id_in_path`); empty when none."""
    segments = path.rstrip("/").split("/")
    if len(segments) >= 2 and segments[-1] == os.environ["RECRULES_VALIDATE_SEGMENT"]:
        return segments[-2]
    return ""


class SignedByTheMeetingsLapp(requests.auth.AuthBase):
    """Signs a prepared request's exact path, environment and body with the
    shared secret, now."""

    def __call__(self, request):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp = str(int(time.time()))
        env = request.headers.get(os.environ["RECRULES_ENV_HEADER"], "")
        signed = "\n".join([timestamp, lapp_id(urlsplit(request.url).path), env, ""])
        secret = os.environ["RECRULES_LAPP_SECRET"].encode()
        digest = hmac.new(secret, signed.encode() + body, hashlib.sha256).hexdigest()
        request.headers[os.environ["RECRULES_TIMESTAMP_HEADER"]] = timestamp
        request.headers[os.environ["RECRULES_SIGNATURE_HEADER"]] = (
            os.environ["RECRULES_SIGNATURE_PREFIX"] + digest
        )
        return request


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.path.startswith(TENANT_ROUTES):
        kwargs["auth"] = SignedByTheMeetingsLapp()


@schemathesis.hook
def after_call(context, case, response):
    if case.path.startswith(TENANT_ROUTES) and 200 <= response.status_code < 300:
        with open(os.environ["RECRULES_SIGNED_ANSWERS"], "a", encoding="utf-8") as answers:
            answers.write(f"{case.method} {case.path} {response.status_code}\n")
