import type { FakeEstate } from "./estate.js";
import { decodeMarker, encodeMarker, requestId, type FakeRequest, type FakeResponse, type ServiceProtocol } from "./protocol.js";

const TARGET_PREFIX = "AWSOrganizationsV20161128.";

/** AWS Organizations over AWS JSON 1.1: ListAccounts, paged by NextToken. */
export const organizationsProtocol: ServiceProtocol = {
  identify(request) {
    const target = request.headers["x-amz-target"];
    if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) return undefined;
    return { operation: `organizations.${target.slice(TARGET_PREFIX.length)}` };
  },

  respond(request, operation, estate, options) {
    if (operation !== "organizations.ListAccounts") return jsonError(400, "InvalidInputException", `the fake does not serve ${operation}`);
    if (!estate.organization) {
      return jsonError(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
    }
    const input = parseBody(request);
    // MaxResults may be at most 20; the service's own default page is smaller than that.
    const size = Math.min(Number(input.MaxResults ?? 20), options.organizationsPageSize ?? 20);
    const start = decodeMarker(typeof input.NextToken === "string" ? input.NextToken : undefined);
    const next = start + size;
    const accounts = estate.organization.slice(start, next).map((account) => ({
      Id: account.id,
      Arn: `arn:aws:organizations::${estate.accountId}:account/o-fake12345/${account.id}`,
      Email: `aws+${account.id}@example.com`,
      Name: account.name,
      Status: account.state === "CLOSED" ? "SUSPENDED" : (account.state ?? "ACTIVE"),
      State: account.state ?? "ACTIVE",
      JoinedMethod: "CREATED",
      JoinedTimestamp: Date.parse("2023-01-10T09:00:00Z") / 1000,
    }));
    return json(200, { Accounts: accounts, ...(next < estate.organization.length ? { NextToken: encodeMarker(next) } : {}) });
  },

  error(_request, kind, operation, estate) {
    if (kind === "throttled") return jsonError(400, "TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress. Try again later.");
    if (kind === "internal") return jsonError(500, "ServiceException", "AWS Organizations can't complete your request because of an internal service error. Try again later.");
    const action = operation.replace(".", ":");
    return jsonError(400, "AccessDeniedException",
      `User: arn:aws:sts::${estate.accountId}:assumed-role/soc2-audit/session is not authorized to perform: ${action} on resource: *`);
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
