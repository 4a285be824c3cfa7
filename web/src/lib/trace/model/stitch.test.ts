import { describe, expect, it } from "vitest";
import { normalizeTrace } from "./normalize";
import { STITCHED_FROM, stitchTraces } from "./stitch";
import { makeTrace } from "./testing/builders";

const CHECKOUT = "0000000000000000000000000000c0de";
const LEDGER = "000000000000000000000000000fe11e";

/**
 *   checkout trace:  a shop POST /checkout
 *                    └ b shop POST /pay ─ c payments POST /pay
 *                                         └ d payments POST /ledger   (nobody answered)
 *   ledger trace:    e ledger POST /ledger                             (no parent)
 *                    └ f ledger INSERT
 *
 *   stitched:        e hangs under d; e and f say which trace they came from
 */
const checkout = () =>
  makeTrace(
    [
      { id: "a", service: "shop", op: "POST /checkout", start: 0, duration: 100, kind: "server" },
      { id: "b", parent: "a", service: "shop", op: "POST /pay", start: 5, duration: 90, kind: "client" },
      { id: "c", parent: "b", service: "payments", op: "POST /pay", start: 6, duration: 88, kind: "server" },
      { id: "d", parent: "c", service: "payments", op: "POST /ledger", start: 10, duration: 50, kind: "client" },
    ],
    // Jaeger prints a trace id whose high half is zero in 16 digits.
    { traceId: CHECKOUT.slice(16) },
  );
const ledger = () =>
  makeTrace(
    [
      { id: "e", service: "ledger", op: "POST /ledger", start: 12, duration: 45, kind: "server" },
      { id: "f", parent: "e", service: "ledger", op: "INSERT", start: 15, duration: 10, kind: "client" },
    ],
    { traceId: LEDGER.slice(16) },
  );

describe("stitchTraces", () => {
  it("hangs a fragment's root under the call it belongs to, in one tree, marking what came from elsewhere", () => {
    const originalLedger = ledger();
    const before = JSON.stringify(originalLedger);
    const stitched = stitchTraces([checkout(), originalLedger], [{ traceId: LEDGER, spanId: "e", parentTraceId: CHECKOUT, parentSpanId: "d" }]);
    const view = normalizeTrace(stitched);
    expect(view.spans.map((s) => `${"  ".repeat(s.depth)}${s.spanId} ${s.service}`)).toEqual(["a shop", "  b shop", "    c payments", "      d payments", "        e ledger", "          f ledger"]);
    expect(view.spans.filter((s) => s.orphan)).toEqual([]);
    const e = stitched.spans.find((s) => s.spanID === "e");
    expect(e?.tags).toContainEqual({ key: STITCHED_FROM, type: "string", value: LEDGER.slice(16) });
    expect(stitched.spans.find((s) => s.spanID === "a")?.tags.some((t) => t.key === STITCHED_FROM)).toBe(false);
    // Processes of both traces are kept apart, services intact.
    expect(new Set(view.spans.map((s) => s.service))).toEqual(new Set(["shop", "payments", "ledger"]));
    expect(stitched.warnings?.at(-1)).toBe("Stitched view: 1 other trace joined to this one where the context was lost; the stored traces are unchanged");
    // The traces handed in are copies' sources, never changed.
    expect(JSON.stringify(originalLedger)).toBe(before);
  });

  it("keeps a fragment with no stitch point as a root of its own", () => {
    const view = normalizeTrace(stitchTraces([checkout(), ledger()], []));
    expect(view.spans.filter((s) => s.depth === 0).map((s) => s.spanId)).toEqual(["a", "e"]);
  });
});
