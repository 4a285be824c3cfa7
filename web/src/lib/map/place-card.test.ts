import { describe, expect, it } from "vitest";
import { placeCard } from "./place-card";

const card = { width: 200, height: 150 };
const frame = { width: 1000, height: 600 };
const position = (style: string) => Object.fromEntries(style.split(";").map((part) => [part.split(":")[0], Number.parseFloat(part.split(":")[1] ?? "")]));

describe("placeCard", () => {
  it("puts the card above, centred on its anchor, when there is room", () => {
    expect(position(placeCard({ left: 480, top: 300, right: 520, bottom: 340 }, card, frame))).toEqual({ left: 400, top: 142 });
  });

  it("goes below an anchor near the top", () => {
    expect(position(placeCard({ left: 480, top: 40, right: 520, bottom: 80 }, card, frame))).toEqual({ left: 400, top: 88 });
  });

  it("goes beside an anchor that has room neither above nor below", () => {
    const tall = { width: 1000, height: 200 };
    expect(position(placeCard({ left: 100, top: 60, right: 140, bottom: 120 }, card, tall))).toEqual({ left: 148, top: 15 });
    expect(position(placeCard({ left: 900, top: 60, right: 940, bottom: 120 }, card, tall))).toEqual({ left: 692, top: 15 });
  });

  it("keeps clear of an edge's nodes where it can, though the first place would fit", () => {
    const anchor = { left: 490, top: 290, right: 510, bottom: 310 };
    const caller = { left: 380, top: 100, right: 460, bottom: 180 };
    expect(position(placeCard(anchor, card, frame, [caller]))).toEqual({ left: 400, top: 318 });
    const callee = { left: 400, top: 320, right: 480, bottom: 400 };
    expect(position(placeCard(anchor, card, frame, [caller, callee]))).toEqual({ left: 518, top: 225 });
  });

  it("stays inside the frame's sides", () => {
    expect(position(placeCard({ left: 0, top: 300, right: 20, bottom: 320 }, card, frame)).left).toBe(0);
    expect(position(placeCard({ left: 980, top: 300, right: 1000, bottom: 320 }, card, frame)).left).toBe(800);
  });

  it("falls back to the top of a frame too small for the card anywhere", () => {
    expect(position(placeCard({ left: 40, top: 20, right: 60, bottom: 40 }, card, { width: 100, height: 100 }))).toEqual({ left: 0, top: 0 });
  });
});
