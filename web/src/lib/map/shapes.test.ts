import { describe, expect, it } from "vitest";
import type { NodeType } from "./api";
import { shapePaths } from "./shapes";

const box = { x: 100, y: 50, width: 60, height: 40 };
const TYPES: NodeType[] = ["service", "database", "queue", "remote"];

/** Every coordinate pair a path names (arc radii and flags included: they are small and positive). */
function coordinates(path: string): Array<[number, number]> {
  const numbers = (path.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) pairs.push([numbers[i] as number, numbers[i + 1] as number]);
  return pairs;
}

describe("shapePaths", () => {
  it.each(TYPES)("draws a closed %s outline inside its box", (type) => {
    const { outline } = shapePaths(type, box);
    expect(outline.startsWith("M")).toBe(true);
    expect(outline.endsWith("Z")).toBe(true);
    for (const command of outline.match(/[MLHVAZ][^MLHVAZ]*/g) ?? []) {
      // Absolute end points only (arcs: the last pair), so each must lie inside the box.
      const pairs = coordinates(command[0] === "A" ? command.slice(1).trim().split(" ").slice(-1).join("") : command.slice(1));
      const end = command[0] === "H" || command[0] === "V" ? [] : pairs;
      for (const [x, y] of end) {
        expect(x).toBeGreaterThanOrEqual(box.x - box.width / 2);
        expect(x).toBeLessThanOrEqual(box.x + box.width / 2);
        expect(y).toBeGreaterThanOrEqual(box.y - box.height / 2);
        expect(y).toBeLessThanOrEqual(box.y + box.height / 2);
      }
    }
  });

  it("gives each kind of node its own outline", () => {
    const outlines = TYPES.map((type) => shapePaths(type, box).outline);
    expect(new Set(outlines).size).toBe(TYPES.length);
  });

  it("adds a rim to the cylinders only", () => {
    expect(shapePaths("database", box).detail).not.toBe("");
    expect(shapePaths("queue", box).detail).not.toBe("");
    expect(shapePaths("service", box).detail).toBe("");
    expect(shapePaths("remote", box).detail).toBe("");
  });

  it("draws a service as a circle through the box's left and right middles", () => {
    expect(shapePaths("service", { x: 0, y: 0, width: 20, height: 20 }).outline).toBe("M-10,0 A10,10 0 1 1 10,0 A10,10 0 1 1 -10,0 Z");
  });
});
