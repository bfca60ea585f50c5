import type { FakeBlock, FakeBucket, FakeEstate } from "./estate.js";
import { decodeMarker, encodeMarker, requestId, type FakeRequest, type FakeResponse, type ServiceProtocol } from "./protocol.js";
import { escapeXml, xml, xmlDocument, type XmlNode } from "./xml.js";

const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
const S3_CONTROL_NAMESPACE = "http://awss3control.amazonaws.com/doc/2018-08-20/";

/** The bucket subresource in a path-style query, in the order S3 checks them. */
const SUBRESOURCES: Array<[string, string]> = [
  ["encryption", "GetBucketEncryption"],
  ["publicAccessBlock", "GetPublicAccessBlock"],
  ["versioning", "GetBucketVersioning"],
  ["policy", "GetBucketPolicy"],
  ["logging", "GetBucketLogging"],
  ["location", "GetBucketLocation"],
  ["object-lock", "GetObjectLockConfiguration"],
  ["tagging", "GetBucketTagging"],
];

/** S3 REST/XML with path-style addressing, and the account-level public access block of S3 Control. */
export const s3Protocol: ServiceProtocol = {
  identify(request) {
    if (request.path.startsWith("/v20180820/configuration/publicAccessBlock")) {
      return { operation: "s3control.GetPublicAccessBlock", target: headerValue(request, "x-amz-account-id") };
    }
    const bucket = bucketName(request);
    if (!bucket) return request.method === "GET" ? { operation: "s3.ListBuckets" } : undefined;
    const subresource = SUBRESOURCES.find(([key]) => request.query.has(key));
    return subresource ? { operation: `s3.${subresource[1]}`, target: bucket } : undefined;
  },

  respond(request, operation, estate, options) {
    if (operation === "s3control.GetPublicAccessBlock") return accountBlock(request, estate);
    if (operation === "s3.ListBuckets") return listBuckets(request, estate, options.bucketPageSize);

    const name = bucketName(request)!;
    const bucket = estate.buckets?.find((candidate) => candidate.name === name);
    if (!bucket || bucket.deletedAfterListing) return s3Error(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: name });
    if (operation === "s3.GetBucketLocation") {
      // us-east-1 has no location constraint and is written as an empty element.
      const constraint = bucket.region === "us-east-1" ? "" : bucket.legacyLocation ? "EU" : bucket.region;
      return ok(xmlDocument("LocationConstraint", S3_NAMESPACE, escapeXml(constraint)));
    }
    if (estate.disabledRegions?.includes(request.region)) return s3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
    if (bucket.region !== request.region) return wrongRegion(request, bucket);
    return bucketSubresource(operation, bucket);
  },

  error(request, kind) {
    const control = request.path.startsWith("/v20180820/");
    if (kind === "throttled") {
      return control ? controlError(503, "SlowDown", "Please reduce your request rate.") : s3Error(503, "SlowDown", "Please reduce your request rate.");
    }
    if (kind === "internal") {
      return control ? controlError(500, "InternalError", "We encountered an internal error. Please try again.") : s3Error(500, "InternalError", "We encountered an internal error. Please try again.");
    }
    return control ? controlError(403, "AccessDenied", "Access Denied") : s3Error(403, "AccessDenied", "Access Denied");
  },
};

function headerValue(request: FakeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bucketName(request: FakeRequest): string | undefined {
  const segment = request.path.split("/")[1];
  return segment ? decodeURIComponent(segment) : undefined;
}

function ok(body: string, contentType = "application/xml"): FakeResponse {
  return { status: 200, headers: { "content-type": contentType }, body };
}

function errorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xml({ Code: code, Message: message, ...extra, RequestId: requestId().slice(0, 16).toUpperCase(), HostId: "ZmFrZS1ob3N0LWlk" })}</Error>`;
}

function s3Error(status: number, code: string, message: string, extra: Record<string, string> = {}): FakeResponse {
  return { status, headers: { "content-type": "application/xml" }, body: errorXml(code, message, extra) };
}

/** S3 Control wraps its errors in ErrorResponse, as the Query services do. */
function controlError(status: number, code: string, message: string): FakeResponse {
  return {
    status,
    headers: { "content-type": "application/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse>${xml({ Error: { Code: code, Message: message }, RequestId: requestId(), HostId: "ZmFrZS1ob3N0LWlk" })}</ErrorResponse>`,
  };
}

function blockXml(block: FakeBlock): string {
  return xml({
    BlockPublicAcls: block.blockPublicAcls,
    IgnorePublicAcls: block.ignorePublicAcls,
    BlockPublicPolicy: block.blockPublicPolicy,
    RestrictPublicBuckets: block.restrictPublicBuckets,
  });
}

function accountBlock(request: FakeRequest, estate: FakeEstate): FakeResponse {
  if (headerValue(request, "x-amz-account-id") !== estate.accountId) return controlError(403, "AccessDenied", "Access Denied");
  if (!estate.accountPublicAccessBlock) return controlError(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found");
  return ok(xmlDocument("PublicAccessBlockConfiguration", S3_CONTROL_NAMESPACE, blockXml(estate.accountPublicAccessBlock)));
}

/** ListBuckets: all buckets of the account whatever the region asked, paged by continuation token. */
function listBuckets(request: FakeRequest, estate: FakeEstate, pageSize = 10_000): FakeResponse {
  const buckets = [...(estate.buckets ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const maxBuckets = request.query.get("max-buckets");
  const size = Math.min(maxBuckets ? Number(maxBuckets) : 10_000, pageSize);
  const start = decodeMarker(request.query.get("continuation-token"));
  const next = start + size;
  const bucketNodes: XmlNode[] = buckets.slice(start, next).map((bucket) => ({
    Bucket: {
      Name: bucket.name,
      CreationDate: bucket.createdAt ?? "2023-04-01T09:30:00.000Z",
      BucketRegion: bucket.listedRegion === null ? undefined : (bucket.listedRegion ?? bucket.region),
    },
  }));
  const body = xml({
    Owner: { DisplayName: "platform", ID: "c0ffee00aa11bb22cc33dd44ee55ff66c0ffee00aa11bb22cc33dd44ee55ff66" },
    Buckets: bucketNodes,
    ContinuationToken: next < buckets.length ? encodeMarker(next) : undefined,
  });
  return ok(xmlDocument("ListAllMyBucketsResult", S3_NAMESPACE, body));
}

/** S3's answer to a bucket request signed for another region than the bucket's, in the form the bucket is set to. */
function wrongRegion(request: FakeRequest, bucket: FakeBucket): FakeResponse {
  switch (bucket.wrongRegionAnswer ?? "redirect") {
    case "illegal-location-constraint":
      return s3Error(400, "IllegalLocationConstraintException", `The ${bucket.region} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    case "authorization-header-malformed":
      return s3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${request.region}' is wrong; expecting '${bucket.region}'`, { Region: bucket.region });
    case "redirect":
      return {
        status: 301,
        headers: { "content-type": "application/xml", "x-amz-bucket-region": bucket.region },
        body: errorXml("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
          { Endpoint: `${bucket.name}.s3.${bucket.region}.amazonaws.com`, Bucket: bucket.name }),
      };
  }
}

function bucketSubresource(operation: string, bucket: FakeBucket): FakeResponse {
  switch (operation) {
    case "s3.GetBucketEncryption": {
      if (bucket.encryption === null) {
        return s3Error(404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found", { BucketName: bucket.name });
      }
      const encryption = bucket.encryption ?? { algorithm: "AES256" };
      return ok(xmlDocument("ServerSideEncryptionConfiguration", S3_NAMESPACE, xml({
        Rule: {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: encryption.algorithm, KMSMasterKeyID: encryption.kmsKeyId },
          BucketKeyEnabled: encryption.bucketKeyEnabled ?? false,
        },
      })));
    }
    case "s3.GetPublicAccessBlock":
      if (!bucket.publicAccessBlock) {
        return s3Error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", { BucketName: bucket.name });
      }
      return ok(xmlDocument("PublicAccessBlockConfiguration", S3_NAMESPACE, blockXml(bucket.publicAccessBlock)));
    case "s3.GetBucketVersioning":
      return ok(xmlDocument("VersioningConfiguration", S3_NAMESPACE, xml({
        Status: bucket.versioning,
        MfaDelete: bucket.versioning ? (bucket.mfaDelete ? "Enabled" : "Disabled") : undefined,
      })));
    case "s3.GetBucketPolicy":
      if (bucket.policy === undefined) return s3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist", { BucketName: bucket.name });
      return ok(typeof bucket.policy === "string" ? bucket.policy : JSON.stringify(bucket.policy), "application/json");
    case "s3.GetBucketLogging":
      return ok(xmlDocument("BucketLoggingStatus", S3_NAMESPACE, xml({
        LoggingEnabled: bucket.logging ? { TargetBucket: bucket.logging.targetBucket, TargetPrefix: bucket.logging.targetPrefix } : undefined,
      })));
    case "s3.GetObjectLockConfiguration": {
      if (!bucket.objectLock) {
        return s3Error(404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket", { BucketName: bucket.name });
      }
      const { mode, days, years } = bucket.objectLock;
      return ok(xmlDocument("ObjectLockConfiguration", S3_NAMESPACE, xml({
        ObjectLockEnabled: "Enabled",
        Rule: mode ? { DefaultRetention: { Mode: mode, Days: days, Years: years } } : undefined,
      })));
    }
    case "s3.GetBucketTagging": {
      const tags = Object.entries(bucket.tags ?? {});
      if (tags.length === 0) return s3Error(404, "NoSuchTagSet", "The TagSet does not exist", { BucketName: bucket.name });
      return ok(xmlDocument("Tagging", S3_NAMESPACE, xml({ TagSet: tags.map(([Key, Value]) => ({ Tag: { Key, Value } })) })));
    }
    default:
      return s3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented");
  }
}
