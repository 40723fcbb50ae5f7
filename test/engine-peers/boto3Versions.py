"""boto3 against the engine, the way S3 test suites drive a server: versioning, version listings, markers, tags, lifecycle.

Run by test/engine-peers/boto3Versions.test.ts with ENDPOINT, ACCESS_KEY, SECRET_KEY, REGION and BUCKET in the
environment; exits non-zero on the first failed check and prints one JSON line of counts when every check passed.
"""
import json
import os
import sys

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError

s3 = boto3.client(
    's3',
    endpoint_url=os.environ['ENDPOINT'],
    aws_access_key_id=os.environ['ACCESS_KEY'],
    aws_secret_access_key=os.environ['SECRET_KEY'],
    region_name=os.environ['REGION'],
    config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}),
)
BUCKET = os.environ['BUCKET']
checks = 0


def check(condition, message):
    global checks
    if not condition:
        print(f'FAILED: {message}', file=sys.stderr)
        sys.exit(1)
    checks += 1


def error_of(call, **kwargs):
    """The (code, status, headers) of the ClientError that call raises; fails the run when it succeeds."""
    try:
        call(**kwargs)
    except ClientError as error:
        meta = error.response['ResponseMetadata']
        return error.response['Error']['Code'], meta['HTTPStatusCode'], meta.get('HTTPHeaders', {})
    check(False, f'{call.__name__} {kwargs} should have failed')
    return None


def all_versions(prefix, max_keys):
    """Every version and marker under prefix, paged by hand with both markers; also returns the request count."""
    entries, kwargs, requests = [], {}, 0
    while True:
        page = s3.list_object_versions(Bucket=BUCKET, Prefix=prefix, MaxKeys=max_keys, **kwargs)
        requests += 1
        merged = [dict(v, Kind='Version') for v in page.get('Versions', [])] + [dict(m, Kind='DeleteMarker') for m in page.get('DeleteMarkers', [])]
        check(len(merged) <= max_keys, 'a page holds at most MaxKeys entries')
        entries += merged
        if not page['IsTruncated']:
            check('NextKeyMarker' not in page, 'no NextKeyMarker on the last page')
            return entries, requests
        kwargs = {'KeyMarker': page['NextKeyMarker'], 'VersionIdMarker': page['NextVersionIdMarker']}


s3.create_bucket(Bucket=BUCKET)
check('Status' not in s3.get_bucket_versioning(Bucket=BUCKET), 'a new bucket is unversioned')
s3.put_object(Bucket=BUCKET, Key='obj', Body=b'null version')
listed = s3.list_object_versions(Bucket=BUCKET)
check([(v['Key'], v['VersionId'], v['IsLatest']) for v in listed['Versions']] == [('obj', 'null', True)], 'an unversioned bucket lists its object as version null')
code, status, headers = error_of(s3.head_object, Bucket=BUCKET, Key='missing')
check(status == 404 and headers.get('x-amz-delete-marker') == 'false', 'a 404 on an unversioned bucket says delete-marker false')

s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={'Status': 'Enabled', 'MFADelete': 'Disabled'})
check(s3.get_bucket_versioning(Bucket=BUCKET)['Status'] == 'Enabled', 'versioning is Enabled')
bodies = {'null': b'null version'}
for index in range(4):
    body = f'version {index}'.encode() * (index + 1)
    answer = s3.put_object(Bucket=BUCKET, Key='obj', Body=body, ServerSideEncryption='AES256')
    check(answer['ServerSideEncryption'] == 'AES256', 'SSE echoed')
    bodies[answer['VersionId']] = body
for key in ('obj2', 'sub/a', 'sub/b'):
    s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())

reference, _ = all_versions('', 1000)
for max_keys in (1, 2, 3):
    paged, requests = all_versions('', max_keys)
    check([(e['Key'], e['VersionId']) for e in paged] == [(e['Key'], e['VersionId']) for e in reference], f'MaxKeys={max_keys} pages to the same list')
    check(requests == -(-len(reference) // max_keys), f'MaxKeys={max_keys}: {requests} requests')
check([e['VersionId'] for e in reference if e['Key'] == 'obj'][-1] == 'null', 'the object from before versioning stays as version null, oldest')
check([e['IsLatest'] for e in reference if e['Key'] == 'obj'] == [True, False, False, False, False], 'only the newest is latest')
for page in s3.get_paginator('list_object_versions').paginate(Bucket=BUCKET, PaginationConfig={'PageSize': 2}):
    check(len(page.get('Versions', [])) <= 2, 'the boto3 paginator pages with both markers')
grouped = s3.list_object_versions(Bucket=BUCKET, Delimiter='/')
check([p['Prefix'] for p in grouped['CommonPrefixes']] == ['sub/'], 'common prefixes')

for version_id, body in bodies.items():
    got = s3.get_object(Bucket=BUCKET, Key='obj', VersionId=version_id)
    check(got['Body'].read() == body and got['VersionId'] == version_id, f'version {version_id} reads back')
check(s3.head_object(Bucket=BUCKET, Key='obj')['VersionId'] == list(bodies)[-1], 'HEAD names the current version')

marker = s3.delete_object(Bucket=BUCKET, Key='obj')
check(marker['DeleteMarker'] is True, 'a delete adds a marker')
code, status, headers = error_of(s3.get_object, Bucket=BUCKET, Key='obj')
check(code == 'NoSuchKey' and headers.get('x-amz-delete-marker') == 'true', 'GET of a deleted key: NoSuchKey, delete-marker true')
code, status, headers = error_of(s3.head_object, Bucket=BUCKET, Key='obj', VersionId=marker['VersionId'])
check(status == 405 and headers.get('x-amz-delete-marker') == 'true', 'HEAD of a marker by id: 405')
code, status, _ = error_of(s3.get_object, Bucket=BUCKET, Key='obj', VersionId='0' * 32)
check(code == 'NoSuchVersion' and status == 404, 'unknown version: NoSuchVersion 404')
code, status, _ = error_of(s3.get_object, Bucket=BUCKET, Key='obj', VersionId='bogus')
check(code == 'InvalidArgument' and status == 400, 'malformed version: InvalidArgument')
for _ in range(2):
    s3.delete_object(Bucket=BUCKET, Key='obj')
markers = s3.list_object_versions(Bucket=BUCKET, Prefix='obj')['DeleteMarkers']
check(len([m for m in markers if m['Key'] == 'obj']) == 3, 'deletes stack markers')
for m in markers:
    removed = s3.delete_object(Bucket=BUCKET, Key=m['Key'], VersionId=m['VersionId'])
    check(removed['DeleteMarker'] is True and removed['VersionId'] == m['VersionId'], 'removing a marker by id says so')
check(s3.get_object(Bucket=BUCKET, Key='obj')['Body'].read() == list(bodies.values())[-1], 'the object is back')

first = list(bodies)[1]
copied = s3.copy_object(Bucket=BUCKET, Key='obj', CopySource={'Bucket': BUCKET, 'Key': 'obj', 'VersionId': first})
check(copied['CopySourceVersionId'] == first and copied['VersionId'] not in bodies, 'a copy of a version onto its key is a new version')
check(s3.get_object(Bucket=BUCKET, Key='obj')['Body'].read() == bodies[first], 'the restored bytes')

multi = s3.delete_objects(Bucket=BUCKET, Delete={'Objects': [{'Key': 'obj', 'VersionId': first}, {'Key': 'obj2'}]})
check({(d['Key'], d.get('DeleteMarker', False)) for d in multi['Deleted']} == {('obj', False), ('obj2', True)}, 'multi-delete by version and with a marker')
check(s3.list_object_versions(Bucket=BUCKET, Prefix='obj')['Versions'][0]['Key'] == 'obj', 'versions remain')
code, _, _ = error_of(s3.get_object, Bucket=BUCKET, Key='obj', VersionId=first)
check(code == 'NoSuchVersion', 'the version deleted by multi-delete is gone')

s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={'Status': 'Suspended'})
check(s3.get_bucket_versioning(Bucket=BUCKET)['Status'] == 'Suspended', 'Suspended')
suspended = s3.put_object(Bucket=BUCKET, Key='obj', Body=b'suspended')
check(suspended['VersionId'] == 'null', 'a suspended write is version null')
nulls = [v for v in s3.list_object_versions(Bucket=BUCKET, Prefix='obj')['Versions'] if v['Key'] == 'obj' and v['VersionId'] == 'null']
check(len(nulls) == 1 and nulls[0]['IsLatest'], 'exactly one null version, and it is current')
gone = s3.delete_object(Bucket=BUCKET, Key='obj')
check(gone['DeleteMarker'] is True and gone['VersionId'] == 'null', 'a suspended delete is a null marker')
s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={'Status': 'Enabled'})

# Tags.
s3.put_object(Bucket=BUCKET, Key='tagged', Body=b't', Tagging='foo=bar&bar')
check(s3.get_object_tagging(Bucket=BUCKET, Key='tagged')['TagSet'] == [{'Key': 'bar', 'Value': ''}, {'Key': 'foo', 'Value': 'bar'}], 'header tags, sorted')
check(s3.get_object(Bucket=BUCKET, Key='tagged')['TagCount'] == 2, 'TagCount')
tag_version = s3.put_object_tagging(Bucket=BUCKET, Key='tagged', Tagging={'TagSet': [{'Key': 'k', 'Value': 'v'}]})['VersionId']
s3.put_object(Bucket=BUCKET, Key='tagged', Body=b't2')
check(s3.get_object_tagging(Bucket=BUCKET, Key='tagged')['TagSet'] == [], 'a new version starts untagged')
check(s3.get_object_tagging(Bucket=BUCKET, Key='tagged', VersionId=tag_version)['TagSet'] == [{'Key': 'k', 'Value': 'v'}], 'the old version keeps its tags')
for tags, what in ((
    [{'Key': f'k{i}', 'Value': 'v'} for i in range(11)], '11 tags'), ([{'Key': 'k' * 129, 'Value': 'v'}], 'a 129-character key'),
        ([{'Key': 'k', 'Value': 'v' * 257}], 'a 257-character value')):
    code, status, _ = error_of(s3.put_object_tagging, Bucket=BUCKET, Key='tagged', Tagging={'TagSet': tags})
    check(code == 'InvalidTag' and status == 400, f'{what}: InvalidTag')
check(s3.get_object_tagging(Bucket=BUCKET, Key='tagged')['TagSet'] == [], 'a refused set changes nothing')
s3.put_object_tagging(Bucket=BUCKET, Key='tagged', Tagging={'TagSet': [{'Key': 'k' * 128, 'Value': 'v' * 256}]})
s3.delete_object_tagging(Bucket=BUCKET, Key='tagged')
check(s3.get_object_tagging(Bucket=BUCKET, Key='tagged')['TagSet'] == [], 'DELETE ?tagging')
s3.copy_object(Bucket=BUCKET, Key='tag-copy', CopySource={'Bucket': BUCKET, 'Key': 'tagged', 'VersionId': tag_version})
check(s3.get_object_tagging(Bucket=BUCKET, Key='tag-copy')['TagSet'] == [{'Key': 'k', 'Value': 'v'}], 'a copy takes the source version tags')
s3.copy_object(Bucket=BUCKET, Key='tag-copy', CopySource={'Bucket': BUCKET, 'Key': 'tagged'}, TaggingDirective='REPLACE', Tagging='new=1')
check(s3.get_object_tagging(Bucket=BUCKET, Key='tag-copy')['TagSet'] == [{'Key': 'new', 'Value': '1'}], 'TaggingDirective REPLACE')
upload = s3.create_multipart_upload(Bucket=BUCKET, Key='mp', Tagging='kind=multipart')
part = s3.upload_part(Bucket=BUCKET, Key='mp', UploadId=upload['UploadId'], PartNumber=1, Body=b'part')
s3.complete_multipart_upload(Bucket=BUCKET, Key='mp', UploadId=upload['UploadId'], MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
check(s3.get_object_tagging(Bucket=BUCKET, Key='mp')['TagSet'] == [{'Key': 'kind', 'Value': 'multipart'}], 'Initiate Multipart tags')

# Lifecycle.
code, status, _ = error_of(s3.get_bucket_lifecycle_configuration, Bucket=BUCKET)
check(code == 'NoSuchLifecycleConfiguration' and status == 404, 'no lifecycle yet')
s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={'Rules': [
    {'ID': 'versions', 'Status': 'Enabled', 'Filter': {'Prefix': ''}, 'NoncurrentVersionExpiration': {'NoncurrentDays': 30, 'NewerNoncurrentVersions': 2}},
    {'ID': 'uploads', 'Status': 'Enabled', 'Filter': {'Prefix': 'tmp/'}, 'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 1}},
]})
rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)['Rules']
check([r['ID'] for r in rules] == ['versions', 'uploads'] and rules[0]['NoncurrentVersionExpiration'] == {'NoncurrentDays': 30, 'NewerNoncurrentVersions': 2}, 'lifecycle read back')
code, status, _ = error_of(s3.put_bucket_lifecycle_configuration, Bucket=BUCKET, LifecycleConfiguration={'Rules': [
    {'ID': 'bad', 'Status': 'Enabled', 'Filter': {'Prefix': ''}, 'NoncurrentVersionExpiration': {'NoncurrentDays': 0}}]})
check(status == 400, 'NoncurrentDays 0 is refused')
s3.delete_bucket_lifecycle(Bucket=BUCKET)

# Cleanup the way suites do: delete every version and marker, then the bucket.
code, status, _ = error_of(s3.delete_bucket, Bucket=BUCKET)
check(code == 'BucketNotEmpty', 'versions keep the bucket')
everything, _ = all_versions('', 1000)
for batch in range(0, len(everything), 3):
    s3.delete_objects(Bucket=BUCKET, Delete={'Objects': [{'Key': e['Key'], 'VersionId': e['VersionId']} for e in everything[batch:batch + 3]]})
check('Versions' not in s3.list_object_versions(Bucket=BUCKET), 'every version deleted')
s3.delete_bucket(Bucket=BUCKET)
print(json.dumps({'checks': checks, 'versions': len(reference)}))
