import type { FakeEstate, FakeTrail } from "./estate.js";
import { requestId, type FakeRequest, type FakeResponse, type ServiceProtocol } from "./protocol.js";

const TARGET_PREFIX = "CloudTrail_20131101.";

/** CloudTrail over AWS JSON 1.1: POST with X-Amz-Target, JSON bodies, errors named by `__type`. */
export const cloudTrailProtocol: ServiceProtocol = {
  identify(request) {
    const target = request.headers["x-amz-target"];
    if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) return undefined;
    const input = parseBody(request);
    const name = typeof input.Name === "string" ? input.Name : typeof input.TrailName === "string" ? input.TrailName : request.region;
    return { operation: `cloudtrail.${target.slice(TARGET_PREFIX.length)}`, target: name };
  },

  respond(request, operation, estate) {
    const input = parseBody(request);
    switch (operation) {
      case "cloudtrail.DescribeTrails":
        return json(200, { trailList: visibleTrails(request.region, estate, input.includeShadowTrails !== false).map((trail) => trailJson(trail, estate)) });
      case "cloudtrail.GetTrailStatus": {
        const trail = findTrail(request, estate, String(input.Name ?? ""));
        if (!trail) return trailNotFound(String(input.Name ?? ""), estate, request);
        return json(200, statusJson(trail));
      }
      case "cloudtrail.GetEventSelectors": {
        const trail = findTrail(request, estate, String(input.TrailName ?? ""));
        if (!trail) return trailNotFound(String(input.TrailName ?? ""), estate, request);
        return json(200, selectorsJson(trail, estate));
      }
      default:
        return jsonError(400, "UnknownOperationException", `Unknown operation ${operation}`);
    }
  },

  error(request, kind, operation, estate) {
    if (kind === "throttled") return jsonError(400, "ThrottlingException", "Rate exceeded");
    if (kind === "internal") return jsonError(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.");
    const action = operation.replace(".", ":");
    return jsonError(400, "AccessDeniedException",
      `User: arn:aws:sts::${estate.accountId}:assumed-role/soc2-audit/session is not authorized to perform: ${action} on resource: arn:aws:cloudtrail:${request.region}:${estate.accountId}:trail/* because no identity-based policy allows the ${action} action`);
  },
};

function parseBody(request: FakeRequest): Record<string, unknown> {
  return request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
}

function json(status: number, body: unknown): FakeResponse {
  return { status, headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId() }, body: JSON.stringify(body) };
}

function jsonError(status: number, type: string, message: string): FakeResponse {
  return {
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId() },
    body: JSON.stringify({ __type: type, Message: message }),
  };
}

function owner(trail: FakeTrail, estate: FakeEstate): string {
  return trail.ownerAccount ?? estate.accountId;
}

function trailArn(trail: FakeTrail, estate: FakeEstate): string {
  return `arn:aws:cloudtrail:${trail.homeRegion}:${owner(trail, estate)}:trail/${trail.name}`;
}

/**
 * A region lists the trails homed there; with shadow trails it also lists multi-region trails
 * homed elsewhere, which is how a member account sees its organization's trail.
 */
function visibleTrails(region: string, estate: FakeEstate, includeShadowTrails: boolean): FakeTrail[] {
  return (estate.trails ?? []).filter((trail) => trail.homeRegion === region || (includeShadowTrails && trail.isMultiRegion));
}

/** By ARN from any region where the trail is visible; by bare name only in the home region of a trail the account owns. */
function findTrail(request: FakeRequest, estate: FakeEstate, name: string): FakeTrail | undefined {
  return (estate.trails ?? []).find((trail) => {
    if (name.startsWith("arn:")) return trailArn(trail, estate) === name && (trail.homeRegion === request.region || trail.isMultiRegion);
    return trail.name === name && trail.homeRegion === request.region && owner(trail, estate) === estate.accountId;
  });
}

function trailNotFound(name: string, estate: FakeEstate, request: FakeRequest): FakeResponse {
  return jsonError(400, "TrailNotFoundException", `Unknown trail: ${name} for the user: ${estate.accountId} in region ${request.region}`);
}

function trailJson(trail: FakeTrail, estate: FakeEstate) {
  return {
    Name: trail.name,
    S3BucketName: trail.s3Bucket,
    IncludeGlobalServiceEvents: trail.isMultiRegion,
    IsMultiRegionTrail: trail.isMultiRegion,
    HomeRegion: trail.homeRegion,
    TrailARN: trailArn(trail, estate),
    LogFileValidationEnabled: trail.logFileValidation,
    ...(trail.kmsKeyId ? { KmsKeyId: trail.kmsKeyId } : {}),
    HasCustomEventSelectors: Boolean(trail.eventSelectors || trail.advancedEventSelectors),
    HasInsightSelectors: false,
    IsOrganizationTrail: trail.isOrganizationTrail ?? false,
  };
}

/** Times travel as epoch seconds in AWS JSON 1.1. */
function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function statusJson(trail: FakeTrail) {
  return {
    IsLogging: trail.isLogging,
    ...(trail.latestDeliveryError ? { LatestDeliveryError: trail.latestDeliveryError } : {}),
    ...(trail.latestDeliveryTime ? { LatestDeliveryTime: epochSeconds(trail.latestDeliveryTime), LatestDeliveryAttemptTime: trail.latestDeliveryTime } : {}),
    StartLoggingTime: epochSeconds("2024-01-15T10:00:00Z"),
    ...(trail.isLogging ? {} : { StopLoggingTime: epochSeconds("2025-02-01T08:00:00Z") }),
    TimeLoggingStarted: "2024-01-15T10:00:00Z",
  };
}

/** Selectors as GetEventSelectors returns them: the basic default (all management events) when none were set. */
function selectorsJson(trail: FakeTrail, estate: FakeEstate) {
  if (trail.advancedEventSelectors) return { TrailARN: trailArn(trail, estate), AdvancedEventSelectors: trail.advancedEventSelectors };
  const selectors = trail.eventSelectors ?? [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }];
  return {
    TrailARN: trailArn(trail, estate),
    EventSelectors: selectors.map((selector) => ({ DataResources: [], ExcludeManagementEventSources: [], ...selector })),
  };
}
