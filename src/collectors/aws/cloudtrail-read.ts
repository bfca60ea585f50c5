import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type AdvancedEventSelector,
  type EventSelector,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import { CollectorError } from "../../errors.js";
import type { CollectContext, CollectorOutput, Resource } from "../types.js";
import { AwsCallError, callAws, openCallScope, type CallScope } from "./calls.js";
import type { AwsConfig } from "./config.js";
import { openSession } from "./session.js";

export async function collectTrails(ctx: CollectContext<AwsConfig>): Promise<CollectorOutput> {
  const scope = openCallScope(ctx, await openSession(ctx));

  // Each region lists its own trails plus shadow copies of multi-region and organization trails
  // homed elsewhere, so the same trail comes back from several regions: keep one per ARN.
  const listed = await Promise.all(ctx.source.regions.map((region) => describeTrails(scope, region)));
  const trails = new Map<string, Trail>();
  for (const trail of listed.flat()) {
    if (trail.TrailARN && !trails.has(trail.TrailARN)) trails.set(trail.TrailARN, trail);
  }

  const resources = await Promise.all([...trails.values()].map((trail) => trailResource(ctx, scope, trail)));
  return { resources, coverage: scope.coverage.toEntries() };
}

async function describeTrails(scope: CallScope, region: string): Promise<Trail[]> {
  const client = await scope.session.client("cloudtrail", region);
  try {
    const output = await callAws(scope, "cloudtrail.DescribeTrails", region, `region ${region}`, () =>
      client.send(new DescribeTrailsCommand({ includeShadowTrails: true }), { abortSignal: scope.signal }));
    return output.trailList ?? [];
  } catch (error) {
    if (error instanceof AwsCallError) throw new CollectorError(error.code, error.message, { cause: error });
    throw error;
  }
}

/** Reads a trail's status and selectors by ARN through a client of the trail's home region. */
async function trailResource(ctx: CollectContext<AwsConfig>, scope: CallScope, trail: Trail): Promise<Resource> {
  const arn = trail.TrailARN ?? "";
  const homeRegion = trail.HomeRegion ?? "";
  const owner = arn.split(":")[4] ?? scope.session.accountId;
  const resource: Resource = {
    id: arn,
    classes: ctx.classify({ kind: "trail", name: trail.Name ?? "", account: owner, region: homeRegion }),
    name: trail.Name ?? "",
    arn,
    account: owner,
    homeRegion,
    isMultiRegion: trail.IsMultiRegionTrail ?? false,
    isOrganizationTrail: trail.IsOrganizationTrail ?? false,
    isLogging: false,
    logFileValidation: trail.LogFileValidationEnabled ?? false,
    kmsKeyId: trail.KmsKeyId ?? null,
    s3Bucket: trail.S3BucketName ?? "",
    managementEventsRead: false,
    managementEventsWrite: false,
    dataEvents: false,
    latestDeliveryError: null,
    latestDeliveryTime: null,
  };

  const client = await scope.session.client("cloudtrail", homeRegion);
  const target = `trail ${arn}`;
  const [status, selectors] = await Promise.allSettled([
    callAws(scope, "cloudtrail.GetTrailStatus", homeRegion, target, () =>
      client.send(new GetTrailStatusCommand({ Name: arn }), { abortSignal: scope.signal })),
    callAws(scope, "cloudtrail.GetEventSelectors", homeRegion, target, () =>
      client.send(new GetEventSelectorsCommand({ TrailName: arn }), { abortSignal: scope.signal })),
  ]);

  const failures: AwsCallError[] = [];
  if (status.status === "fulfilled") {
    resource.isLogging = status.value.IsLogging ?? false;
    resource.latestDeliveryError = status.value.LatestDeliveryError || null;
    resource.latestDeliveryTime = status.value.LatestDeliveryTime ? status.value.LatestDeliveryTime.toISOString() : null;
  } else {
    failures.push(asCallError(status.reason));
  }
  if (selectors.status === "fulfilled") {
    Object.assign(resource, summarizeSelectors(selectors.value.EventSelectors, selectors.value.AdvancedEventSelectors));
  } else {
    failures.push(asCallError(selectors.reason));
  }
  if (failures.length > 0) {
    resource._error = { code: failures[0]!.code, message: failures.map((failure) => failure.message).join("; ") };
  }
  return resource;
}

function asCallError(reason: unknown): AwsCallError {
  if (reason instanceof AwsCallError) return reason;
  throw reason;
}

export interface SelectorSummary {
  managementEventsRead: boolean;
  managementEventsWrite: boolean;
  dataEvents: boolean;
}

/**
 * Summarizes a trail's selectors in either form. A trail without selectors records all management
 * events, which is CloudTrail's default. Advanced selectors record management events through an
 * `eventCategory = Management` selector, and a `readOnly` field limits it to one direction.
 * A selector that leaves out event sources (ExcludeManagementEventSources, or an advanced
 * `eventSource` NotEquals such as kms.amazonaws.com) does not record all management events, so
 * it counts for neither direction. The AWS Config rule multi-region-cloudtrail-enabled is
 * NON_COMPLIANT for such a trail too.
 */
export function summarizeSelectors(basic: EventSelector[] | undefined, advanced: AdvancedEventSelector[] | undefined): SelectorSummary {
  const summary: SelectorSummary = { managementEventsRead: false, managementEventsWrite: false, dataEvents: false };
  if (advanced && advanced.length > 0) {
    for (const selector of advanced) {
      const fields = selector.FieldSelectors ?? [];
      const category = fields.find((field) => field.Field === "eventCategory")?.Equals ?? [];
      if (!category.includes("Management")) {
        if (category.length > 0) summary.dataEvents = true;
        continue;
      }
      if (fields.some((field) => field.Field === "eventSource")) continue;
      const readOnly = fields.find((field) => field.Field === "readOnly");
      const records = readOnlyValues(readOnly);
      summary.managementEventsRead ||= records.read;
      summary.managementEventsWrite ||= records.write;
    }
    return summary;
  }
  if (!basic || basic.length === 0) {
    return { managementEventsRead: true, managementEventsWrite: true, dataEvents: false };
  }
  for (const selector of basic) {
    if (selector.IncludeManagementEvents !== false && (selector.ExcludeManagementEventSources ?? []).length === 0) {
      const type = selector.ReadWriteType ?? "All";
      summary.managementEventsRead ||= type === "All" || type === "ReadOnly";
      summary.managementEventsWrite ||= type === "All" || type === "WriteOnly";
    }
    if ((selector.DataResources ?? []).length > 0) summary.dataEvents = true;
  }
  return summary;
}

function readOnlyValues(field: { Equals?: string[]; NotEquals?: string[] } | undefined): { read: boolean; write: boolean } {
  if (!field) return { read: true, write: true };
  if (field.Equals && field.Equals.length > 0) {
    return { read: field.Equals.includes("true"), write: field.Equals.includes("false") };
  }
  if (field.NotEquals && field.NotEquals.length > 0) {
    return { read: !field.NotEquals.includes("true"), write: !field.NotEquals.includes("false") };
  }
  return { read: true, write: true };
}
