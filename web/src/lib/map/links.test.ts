import { describe, expect, it } from "vitest";
import { readQuery } from "../search/query";
import { readRange } from "../monitor/range";
import { edgeSearchHref, monitorHref, operationSearchHref } from "./links";

const lastHour = readRange(new URLSearchParams());
const lastDay = readRange(new URLSearchParams("range=24h"));

/** What the search page will read from a link. */
const searchOf = (href: string) => readQuery(new URL(href, "http://x").searchParams);

describe("links from the map", () => {
  it("opens a service's Monitor over the same range", () => {
    expect(monitorHref("frontend", lastHour)).toBe("/monitor/frontend");
    expect(monitorHref("eta planner/v2", lastDay)).toBe("/monitor/eta%20planner%2Fv2?range=24h");
  });

  it("searches the callee's served spans for an edge between services", () => {
    const query = searchOf(edgeSearchHref({ parent: "frontend", child: "customer", childType: "service", async: false }, lastDay));
    expect(query).toMatchObject({ service: "customer", tags: "span.kind=server", lookback: "24h", operation: "" });
  });

  it("searches the consumer's spans for a message edge", () => {
    const query = searchOf(edgeSearchHref({ parent: "frontend", child: "notification", childType: "service", async: true }, lastHour));
    expect(query).toMatchObject({ service: "notification", tags: "span.kind=consumer", lookback: "1h" });
  });

  it("searches the caller's outgoing spans for an edge to a database, queue or remote API", () => {
    expect(searchOf(edgeSearchHref({ parent: "customer", child: "mysql", childType: "database", async: false }, lastHour))).toMatchObject({ service: "customer", tags: "span.kind=client" });
    expect(searchOf(edgeSearchHref({ parent: "frontend", child: "kafka", childType: "queue", async: true }, lastHour))).toMatchObject({ service: "frontend", tags: "span.kind=producer" });
    expect(searchOf(edgeSearchHref({ parent: "eta-planner", child: "api.openai.com", childType: "remote", async: false }, lastHour))).toMatchObject({ service: "eta-planner", tags: "span.kind=client" });
  });

  it("searches one operation of a service", () => {
    const href = operationSearchHref("frontend", "GET /dispatch", lastDay);
    expect(href).toBe("/search?service=frontend&operation=GET+%2Fdispatch&lookback=24h");
  });
});
