import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesCollector } from "../../../src/collectors/postgres/tables.js";
import type { ObjectType } from "../../../src/collectors/schema.js";
import type { Resource } from "../../../src/collectors/types.js";
import { collectContext } from "../../helpers/postgres.js";

describe("postgres.tables", () => {
  const { ctx, close } = collectContext();
  let tables: Map<string, Resource>;
  let warnings: string[] | undefined;

  beforeAll(async () => {
    const output = await tablesCollector.collect(ctx);
    tables = new Map(output.resources.map((resource) => [resource.id, resource]));
    warnings = output.warnings;
  });
  afterAll(close);

  it("lists every application table and no system table", () => {
    expect([...tables.keys()]).toEqual([
      "public.booking_sessions",
      "public.chat_messages",
      "public.chat_messages_2026_01",
      "public.chat_messages_2026_02",
      "public.client_notes",
      "public.clients",
      "public.employers",
      "public.import_staging",
      "public.session_payments",
      "public.therapists",
      "public.users",
    ]);
  });

  it("reports RLS enabled but not forced on client_notes", () => {
    const notes = tables.get("public.client_notes")!;
    expect(notes.rlsEnabled).toBe(true);
    expect(notes.rlsForced).toBe(false);
    expect(notes.policyCount).toBe(1);
    expect(notes.owner).toBe("app");
    expect(notes.kind).toBe("ordinary");
    expect(notes.parent).toBeNull();
    expect(notes.classes).toEqual(["highly-confidential"]);
  });

  it("lists partitions with kind and parent", () => {
    const parent = tables.get("public.chat_messages")!;
    expect(parent.kind).toBe("partitioned");
    expect(parent.parent).toBeNull();
    expect(parent.rlsForced).toBe(true);

    const february = tables.get("public.chat_messages_2026_02")!;
    expect(february.kind).toBe("partition");
    expect(february.parent).toBe("public.chat_messages");
    expect(february.rlsEnabled).toBe(false);
    expect(february.rlsForced).toBe(false);
    expect(february.policyCount).toBe(0);

    const january = tables.get("public.chat_messages_2026_01")!;
    expect(january.rlsEnabled && january.rlsForced).toBe(true);
    expect(january.policyCount).toBe(1);
  });

  it("gives partitions the classes of their parent", () => {
    expect(tables.get("public.chat_messages_2026_02")!.classes).toEqual(["highly-confidential"]);
    expect(tables.get("public.chat_messages_2026_01")!.classes).toEqual(["highly-confidential"]);
  });

  it("leaves a table no selector matches without classes", () => {
    expect(tables.get("public.import_staging")!.classes).toEqual([]);
    expect(tables.get("public.users")!.classes).toEqual(["confidential"]);
  });

  it("lists login roles that can read each table", () => {
    // app and postgres are superusers; app_readonly has SELECT on all tables.
    expect(tables.get("public.client_notes")!.readers).toEqual(["app", "app_readonly", "postgres"]);
    // soc2_reader may read the deleted_at column of users for the retention count, nothing else.
    expect(tables.get("public.users")!.readers).toEqual(["app", "app_readonly", "postgres", "soc2_reader"]);
  });

  it("gives every resource every declared field", () => {
    const fields = Object.keys((tablesCollector.schema as ObjectType).fields).sort();
    for (const table of tables.values()) {
      expect(Object.keys(table).sort()).toEqual(fields);
    }
  });

  it("emits no superuser warning as soc2_reader", () => {
    expect(warnings).toEqual([]);
  });
});
