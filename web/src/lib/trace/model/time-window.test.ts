import { describe, expect, it } from "vitest";
import { normalizeTrace } from "./normalize";
import { makeTrace } from "./testing/builders";
import { barBox, clampWindow, MIN_WINDOW, panWindow, windowAround, zoomWindow } from "./time-window";

const trace = () =>
  normalizeTrace(
    makeTrace([
      { id: "a", start: 0, duration: 1_000 },
      { id: "b", parent: "a", start: 250, duration: 250 },
    ]),
  );

describe("time window", () => {
  it("zooms around an anchor that stays put", () => {
    const w = zoomWindow({ start: 0, end: 1 }, 0.5, 0.5);
    expect(w).toEqual({ start: 0.25, end: 0.75 });
  });

  it("keeps windows inside the trace by moving, not squashing, them", () => {
    const panned = panWindow({ start: 0.6, end: 0.9 }, 1);
    expect(panned.start).toBeCloseTo(0.7);
    expect(panned.end).toBe(1);
    expect(clampWindow({ start: -0.2, end: 0.3 })).toEqual({ start: 0, end: 0.5 });
    expect(clampWindow({ start: 0.5, end: 0.5 }).end - 0.5).toBeCloseTo(MIN_WINDOW);
  });

  it("places a bar in percent of the zoomed timeline", () => {
    const t = trace();
    const b = t.spans[1];
    if (!b) throw new Error("no span");
    expect(barBox(t, b, { start: 0, end: 1 })).toEqual({ left: 25, width: 25 });
    expect(barBox(t, b, { start: 0.25, end: 0.5 })).toEqual({ left: 0, width: 100 });
  });

  it("frames a span with a margin for zoom-to-span", () => {
    const t = trace();
    const b = t.spans[1];
    if (!b) throw new Error("no span");
    const w = windowAround(t, b, 0.1);
    expect(w.start).toBeCloseTo(0.225);
    expect(w.end).toBeCloseTo(0.525);
  });
});
