// Child process of the benchmark: serves the synthetic estate from the test suite's loopback fakes
// (S3, S3 Control, RDS, CloudTrail and STS in one server; the Clerk Backend API in another), so
// their CPU time is not the collectors'. The parent drives it over the IPC channel:
//   { type: "configure", throttleRate }  sets the share of throttled answers from now on
//   { type: "reset" }                    clears the call logs
//   { type: "stats" }                    replies with every call since the last reset
//   { type: "stop" }                     closes the servers and exits
import path from "node:path";
import { pathToFileURL } from "node:url";
import { awsEstate, clerkUsers, scaledSizes } from "./estate.js";

const [buildDir, latencyArg, throttleArg, scaleArg, secretKey] = process.argv.slice(2);
const load = (relative) => import(pathToFileURL(path.join(buildDir, relative)).href);

const { startFakeAws } = await load("tests/fakes/aws/server.js");
const { startFakeClerk, tooManyRequests } = await load("tests/fakes/clerk/server.js");
const { userJson } = await load("tests/fakes/clerk/builders.js");

const latencyMs = Number(latencyArg);
const sizes = scaledSizes(Number(scaleArg));
const options = { latencyMs, throttleRate: Number(throttleArg), seed: 42 };
const aws = await startFakeAws(awsEstate(sizes), options);

// Clerk answers a throttled request with 429 and Retry-After: 1, the shortest wait its header can say.
const random = mulberry32(7);
const clerk = await startFakeClerk({
  secretKey,
  users: clerkUsers(sizes.clerkUsers, userJson),
  memberships: [],
  latencyMs,
  onRequest: () => (options.throttleRate > 0 && random() < options.throttleRate ? tooManyRequests(1) : undefined),
});

process.on("message", async (message) => {
  switch (message.type) {
    case "configure":
      options.throttleRate = message.throttleRate;
      process.send({ type: "configured" });
      break;
    case "reset":
      aws.calls.length = 0;
      clerk.requests.length = 0;
      process.send({ type: "reset" });
      break;
    case "stats":
      process.send({
        type: "stats",
        aws: aws.calls.map((call) => ({ operation: call.operation, status: call.status, region: call.region, target: call.target })),
        awsMaxInFlight: aws.maxInFlight,
        clerk: clerk.requests.map((request) => ({ path: request.path, offset: request.query.get("offset") })),
      });
      break;
    case "stop":
      await aws.close();
      await clerk.close();
      process.exit(0);
  }
});

process.send({ type: "ready", awsUrl: aws.url, awsControlUrl: aws.controlUrl, clerkUrl: clerk.url, sizes });

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
