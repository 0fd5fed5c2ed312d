"""Start gcp-storage-emulator with the behaviour aiir's tests depend on and it lacks.

gcp-storage-emulator (pinned in requirements.txt) serves the Cloud Storage JSON API well
enough for buckets, objects, bucket metadata and bucket IAM, but it ignores preconditions and
omits headers real Cloud Storage sends. This launcher patches its handlers, in process, so
the tests exercise the same contract as production:

1. Generation preconditions on objects (the state store's optimistic concurrency):
   `ifGenerationMatch` / `ifGenerationNotMatch` on uploads (media, multipart, and the
   initiation of resumable uploads), deletes, metadata reads and rewrites (on the
   destination; `ifSourceGenerationMatch` on the source). `ifGenerationMatch=0` means "only
   if absent". A failed precondition answers 412 with Cloud Storage's `conditionNotMet`
   error body; a precondition on a missing object answers 412 too, except
   `ifGenerationMatch=0`, which succeeds (as documented for Cloud Storage).
2. `ifMetagenerationMatch` / `ifMetagenerationNotMatch` on bucket PATCH (metadata updates).
3. Bucket IAM `etag`s: every setIamPolicy stores a new etag; a setIamPolicy whose body carries
   an etag different from the current one answers 412 (Cloud Storage's read-modify-write
   contract for IAM policies).
4. Media downloads carry `x-goog-generation`, `x-goog-metageneration`,
   `x-goog-stored-content-length` and `x-goog-stored-content-encoding`, as Cloud Storage's
   JSON API does. The official Rust client (`google-cloud-storage`) requires
   `x-goog-generation` on every read.

Not emulated: resumable uploads check preconditions when they start, not when they finish
(Cloud Storage checks at finalisation); IAM conditions; public access prevention blocking
`allUsers` grants. The server stays single-threaded (as upstream), so a precondition check and
the write it guards are atomic.

Usage: python launcher.py --host 127.0.0.1 --port 9023 [--in-memory]
"""

import argparse
import base64
import itertools
import logging
import sys
from http import HTTPStatus

from gcp_storage_emulator import server
from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import buckets, objects

PRECONDITION_FAILED = 412
_etags = itertools.count(2)


def _condition_not_met(response, what):
    response.status = HTTPStatus.PRECONDITION_FAILED
    message = "At least one of the pre-conditions you specified did not hold."
    response.json(
        {
            "error": {
                "code": PRECONDITION_FAILED,
                "message": message,
                "errors": [
                    {
                        "domain": "global",
                        "reason": "conditionNotMet",
                        "message": message,
                        "locationType": "header",
                        "location": what,
                    }
                ],
            }
        }
    )


def _q(request, name):
    values = request.query.get(name)
    return values[0] if values else None


def _object_state(storage, bucket, name):
    """(generation, metageneration) as ints, or None when the object does not exist."""
    try:
        obj = storage.get_file_obj(bucket, name)
    except NotFound:
        return None
    return int(obj.get("generation") or 0), int(obj.get("metageneration") or 0)


def _check_object(request, response, storage, bucket, name, prefix="if"):
    """True when the request's object preconditions hold; otherwise answers 412."""
    if not bucket or not name:
        return True
    state = _object_state(storage, bucket, name)
    checks = (
        (prefix + "GenerationMatch", 0, lambda want, have: want == have),
        (prefix + "GenerationNotMatch", 0, lambda want, have: want != have),
        (prefix + "MetagenerationMatch", 1, lambda want, have: want == have),
        (prefix + "MetagenerationNotMatch", 1, lambda want, have: want != have),
    )
    for param, index, ok in checks:
        raw = _q(request, param)
        if raw is None:
            continue
        try:
            want = int(raw)
        except ValueError:
            response.status = HTTPStatus.BAD_REQUEST
            response.json({"error": {"code": 400, "message": "Invalid {}".format(param)}})
            return False
        if state is None:
            # Only "must not exist" can hold for a missing object.
            if param == prefix + "GenerationMatch" and want == 0:
                continue
            _condition_not_met(response, param)
            return False
        if not ok(want, state[index]):
            _condition_not_met(response, param)
            return False
    return True


def _upload_name(request):
    if _q(request, "name"):
        return _q(request, "name")
    data = request.data
    if isinstance(data, dict):
        meta = data.get("meta") if "meta" in data else data
        if isinstance(meta, dict):
            return meta.get("name")
    return None


def _wrap_insert(original):
    def insert(request, response, storage, *args, **kwargs):
        upload_type = _q(request, "uploadType")
        if upload_type in ("media", "multipart", "resumable") and "upload_id" not in request.query:
            if not _check_object(
                request, response, storage, request.params.get("bucket_name"), _upload_name(request)
            ):
                return None
        return original(request, response, storage, *args, **kwargs)

    return insert


def _wrap_object(original):
    """Deletes and metadata reads: preconditions on the addressed object."""

    def handler(request, response, storage, *args, **kwargs):
        if not _check_object(
            request, response, storage, request.params.get("bucket_name"), request.params.get("object_id")
        ):
            return None
        return original(request, response, storage, *args, **kwargs)

    return handler


def _wrap_rewrite(original):
    def rewrite(request, response, storage, *args, **kwargs):
        p = request.params
        if not _check_object(request, response, storage, p.get("dest_bucket_name"), p.get("dest_object_id")):
            return None
        if not _check_object(
            request, response, storage, p.get("bucket_name"), p.get("object_id"), prefix="ifSource"
        ):
            return None
        return original(request, response, storage, *args, **kwargs)

    return rewrite


def _wrap_download(original):
    def download(request, response, storage, *args, **kwargs):
        p = request.params
        if not _check_object(request, response, storage, p.get("bucket_name"), p.get("object_id")):
            return None
        result = original(request, response, storage, *args, **kwargs)
        if response.status in (HTTPStatus.OK, HTTPStatus.PARTIAL_CONTENT):
            try:
                obj = storage.get_file_obj(p["bucket_name"], p["object_id"])
            except NotFound:
                return result
            response["x-goog-generation"] = str(obj.get("generation"))
            response["x-goog-metageneration"] = str(obj.get("metageneration"))
            response["x-goog-stored-content-length"] = str(obj.get("size"))
            response["x-goog-stored-content-encoding"] = obj.get("contentEncoding") or "identity"
        return result

    return download


def _wrap_bucket_patch(original):
    def patch(request, response, storage, *args, **kwargs):
        name = request.params.get("bucket_name")
        bucket = storage.buckets.get(name) if name else None
        if bucket is not None:
            have = int(bucket.get("metageneration") or 1)
            for param, ok in (
                ("ifMetagenerationMatch", lambda want: want == have),
                ("ifMetagenerationNotMatch", lambda want: want != have),
            ):
                raw = _q(request, param)
                if raw is not None and not ok(int(raw)):
                    _condition_not_met(response, param)
                    return None
        return original(request, response, storage, *args, **kwargs)

    return patch


def set_iam_policy(request, response, storage, *args, **kwargs):
    """PUT /b/{bucket}/iam with etag checking and a fresh etag per change."""
    name = request.params.get("bucket_name")
    if not name or name not in storage.buckets:
        response.status = HTTPStatus.NOT_FOUND
        return
    body = request.data if isinstance(request.data, dict) else {}
    current = storage.get_bucket_iam_policy(name) or {}
    current_etag = current.get("etag") or "CAE="
    sent = body.get("etag")
    if sent and sent != current_etag:
        _condition_not_met(response, "etag")
        return
    etag = base64.b64encode(next(_etags).to_bytes(8, "big").lstrip(b"\0")).decode("ascii")
    policy = {
        "kind": "storage#policy",
        "resourceId": "projects/_/buckets/{}".format(name),
        "version": body.get("version", 1),
        "etag": etag,
        "bindings": body.get("bindings") if body.get("bindings") is not None else [],
    }
    storage.set_bucket_iam_policy(name, policy)
    response.json(policy)


def patch_handlers():
    replacements = {
        objects.insert: _wrap_insert(objects.insert),
        objects.delete: _wrap_object(objects.delete),
        objects.get: _wrap_object(objects.get),
        objects.rewrite: _wrap_rewrite(objects.rewrite),
        objects.download: _wrap_download(objects.download),
        buckets.patch: _wrap_bucket_patch(buckets.patch),
        buckets.set_iam_policy: set_iam_policy,
    }
    for _, methods in server.HANDLERS:
        for method, handler in list(methods.items()):
            if handler in replacements:
                methods[method] = replacements[handler]
    # The router's fallback for uploads posted without /upload refers to objects.insert.
    objects.insert = replacements[objects.insert]
    # objects.get serves alt=media through objects.download by module lookup.
    objects.download = replacements[objects.download]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9023)
    parser.add_argument("--in-memory", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    patch_handlers()
    srv = server.create_server(args.host, args.port, in_memory=args.in_memory)
    print("gcs emulator (aiir launcher) on http://{}:{}".format(args.host, args.port), flush=True)
    srv.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
