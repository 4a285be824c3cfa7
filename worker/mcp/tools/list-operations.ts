import { z } from "zod";
import { findOperations } from "../../query/catalog";
import { defineTool } from "../tool";

const MAX = 300;

export const listOperations = defineTool({
  name: "list_operations",
  title: "List a service's operations",
  description: "The operations (span names) of one service, with their span kind (server, client, …).",
  input: { service: z.string().min(1).max(256).describe("A service name, as list_services gives it.") },
  async run({ env, tenant }, { service }) {
    const operations = await findOperations(env, tenant, service);
    if (!operations.length) return `No operations for service "${service}": check the name with list_services.`;
    const lines = operations
      .map((op) => `- ${op.name}${op.spanKind ? ` (${op.spanKind})` : ""}`)
      .sort()
      .slice(0, MAX);
    const more = operations.length - lines.length;
    return `${operations.length} operations of ${service}:\n${lines.join("\n")}${more ? `\n- … and ${more} more` : ""}`;
  },
});
