import { describe, expect, it } from "vitest";
import { ALL_KINDS, describeKinds, readKinds, toggleKind, withKinds } from "./kinds";

describe("span kinds in the URL", () => {
  it("counts what a service answered unless the URL says otherwise", () => {
    expect(readKinds(new URLSearchParams())).toEqual(["server", "consumer"]);
    expect(readKinds(new URLSearchParams("kinds="))).toEqual(["server", "consumer"]);
    expect(readKinds(new URLSearchParams("kinds=bogus"))).toEqual(["server", "consumer"]);
  });

  it("reads known kinds in one order, ignoring case, repeats and unknowns", () => {
    expect(readKinds(new URLSearchParams("kinds=producer,CLIENT,client,nope"))).toEqual(["client", "producer"]);
  });

  it("leaves the default out and keeps other parameters", () => {
    expect(withKinds(new URLSearchParams("range=6h"), ["consumer", "server"]).toString()).toBe("range=6h");
    expect(withKinds(new URLSearchParams("range=6h&kinds=client"), ["producer", "client"]).toString()).toBe("range=6h&kinds=client%2Cproducer");
    expect(withKinds(new URLSearchParams("kinds=client"), []).toString()).toBe("");
  });

  it("round-trips every selection", () => {
    for (const kinds of [["client"], ALL_KINDS, ["server"], ["consumer", "internal"]] as const) {
      expect(readKinds(withKinds(new URLSearchParams(), kinds))).toEqual(kinds);
    }
  });
});

describe("toggleKind", () => {
  it("adds and removes a kind, keeping the order", () => {
    expect(toggleKind(["server", "consumer"], "client")).toEqual(["server", "consumer", "client"]);
    expect(toggleKind(["server", "consumer"], "server")).toEqual(["consumer"]);
  });

  it("never leaves nothing selected", () => {
    expect(toggleKind(["client"], "client")).toEqual(["client"]);
  });
});

describe("describeKinds", () => {
  it("reads as a sentence", () => {
    expect(describeKinds(["server", "consumer"])).toBe("server or consumer");
    expect(describeKinds(["client"])).toBe("client");
    expect(describeKinds(["server", "consumer", "client"])).toBe("server, consumer or client");
    expect(describeKinds(ALL_KINDS)).toBe("any");
  });
});
