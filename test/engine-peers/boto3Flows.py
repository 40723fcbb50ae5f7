"""boto3 (Debian python3-boto3) against the bundled engine, as S3 test suites drive a server.

Run by boto3.test.ts: python3 boto3Flows.py ENDPOINT ACCESS_KEY SECRET_KEY REGION WORKDIR
Prints one line per check ("ok <name>") and exits 1 with the failing check's message on the first failure.
"""
import json
import socket
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT, ACCESS_KEY, SECRET_KEY, REGION, WORKDIR = sys.argv[1:6]
PORT = ENDPOINT.rsplit(":", 1)[1]

# S3 virtual-host requests go to <bucket>.localhost; resolve those names like `curl --resolve` would.
_getaddrinfo = socket.getaddrinfo


def _resolve(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve


def client(style):
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT if style == "path" else f"http://localhost:{PORT}",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}, signature_version="s3v4"),
    )


path_client = client("path")
virtual_client = client("virtual")
virtual_hosts = set()
virtual_client.meta.events.register("before-send.s3", lambda request, **_: virtual_hosts.add(request.url.split("/")[2]))


def check(name, condition, detail=""):
    if not condition:
        print(f"FAILED {name}: {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


def error_of(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as error:
        return error.response["Error"].get("Code"), error.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


# Bucket names: S3 names (dotted too) and NAME-APPID, created, listed, headed and deleted as S3 answers.
for name, s3 in (("my-test-bucket", path_client), ("my.dotted.bucket", virtual_client), ("path.dotted.bucket", path_client), ("virtual-style-bucket", virtual_client), ("photos-1250000000", virtual_client)):
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    check(f"create {name}", name in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]])
    check(f"create {name} again", error_of(s3.create_bucket, Bucket=name) == ("BucketAlreadyOwnedByYou", 409), error_of(s3.create_bucket, Bucket=name))
    s3.head_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="dir/a.txt", Body=b"hello", ServerSideEncryption="AES256")
    check(f"get from {name}", s3.get_object(Bucket=name, Key="dir/a.txt")["Body"].read() == b"hello")
    check(f"delete non-empty {name}", error_of(s3.delete_bucket, Bucket=name) == ("BucketNotEmpty", 409), error_of(s3.delete_bucket, Bucket=name))
    check(f"list {name}", [item["Key"] for item in s3.list_objects_v2(Bucket=name)["Contents"]] == ["dir/a.txt"])
    s3.delete_object(Bucket=name, Key="dir/a.txt")
    s3.delete_bucket(Bucket=name)
    check(f"head deleted {name}", error_of(s3.head_bucket, Bucket=name)[1] == 404)
    check(f"delete deleted {name}", error_of(s3.delete_bucket, Bucket=name) == ("NoSuchBucket", 404), error_of(s3.delete_bucket, Bucket=name))

# botocore falls back to path style for dotted names (TLS wildcard certificates); the others went virtual-host.
check("virtual-host requests", {f"virtual-style-bucket.localhost:{PORT}", f"photos-1250000000.localhost:{PORT}"} <= virtual_hosts, virtual_hosts)

for bad in ("foo..bar", "foo_bar", "192.168.5.123", "aa", "foo-", "Foo.bar"):
    check(f"invalid name {bad}", error_of(path_client.create_bucket, Bucket=bad) == ("InvalidBucketName", 400), error_of(path_client.create_bucket, Bucket=bad))

# Policies: store verbatim, malformed → 400, none → NoSuchBucketPolicy, Deny-unencrypted enforced on every write path.
BUCKET = "policy-bucket"
s3 = path_client
s3.create_bucket(Bucket=BUCKET)
check("no policy", error_of(s3.get_bucket_policy, Bucket=BUCKET) == ("NoSuchBucketPolicy", 404), error_of(s3.get_bucket_policy, Bucket=BUCKET))
check("malformed policy", error_of(s3.put_bucket_policy, Bucket=BUCKET, Policy='{"Statement": [') == ("MalformedPolicy", 400))
wrong_resource = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::another/*"}]})
check("policy for another bucket", error_of(s3.put_bucket_policy, Bucket=BUCKET, Policy=wrong_resource) == ("MalformedPolicy", 400))
policy = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "DenyIncorrectEncryptionHeader", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
         "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}},
        {"Sid": "DenyUnEncryptedObjectUploads", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
         "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}},
    ],
})
s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)
check("policy verbatim", s3.get_bucket_policy(Bucket=BUCKET)["Policy"] == policy)
check("unencrypted put refused", error_of(s3.put_object, Bucket=BUCKET, Key="plain.txt", Body=b"x") == ("AccessDenied", 403))
check("other algorithm refused", error_of(s3.put_object, Bucket=BUCKET, Key="kms.txt", Body=b"x", ServerSideEncryption="aws:kms") == ("AccessDenied", 403))
check("nothing stored", error_of(s3.head_object, Bucket=BUCKET, Key="plain.txt")[1] == 404)
stored = s3.put_object(Bucket=BUCKET, Key="sse.txt", Body=b"encrypted", ServerSideEncryption="AES256")
check("encrypted put accepted", stored["ServerSideEncryption"] == "AES256")
check("unencrypted copy refused", error_of(s3.copy_object, Bucket=BUCKET, Key="copy.txt", CopySource={"Bucket": BUCKET, "Key": "sse.txt"}) == ("AccessDenied", 403))
s3.copy_object(Bucket=BUCKET, Key="copy.txt", CopySource={"Bucket": BUCKET, "Key": "sse.txt"}, ServerSideEncryption="AES256")
check("unencrypted multipart refused", error_of(s3.create_multipart_upload, Bucket=BUCKET, Key="multi.bin") == ("AccessDenied", 403))
big = f"{WORKDIR}/big.bin"
with open(big, "wb") as handle:
    handle.write(b"\x07" * (12 * 1024 * 1024 + 5))
from boto3.s3.transfer import TransferConfig  # noqa: E402

s3.upload_file(big, BUCKET, "multi.bin", ExtraArgs={"ServerSideEncryption": "AES256"}, Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
head = s3.head_object(Bucket=BUCKET, Key="multi.bin")
check("encrypted multipart accepted", head["ServerSideEncryption"] == "AES256" and head["ContentLength"] == 12 * 1024 * 1024 + 5 and head["ETag"].endswith('-3"'), head)
s3.delete_bucket_policy(Bucket=BUCKET)
check("policy deleted", error_of(s3.get_bucket_policy, Bucket=BUCKET) == ("NoSuchBucketPolicy", 404))
s3.put_object(Bucket=BUCKET, Key="plain.txt", Body=b"x")
check("unencrypted put accepted without policy", s3.head_object(Bucket=BUCKET, Key="plain.txt").get("ServerSideEncryption") is None)
print("done", flush=True)
