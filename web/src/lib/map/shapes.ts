/**
 * The outline of each kind of node, as SVG path data inside the box layout.ts gave it, so a
 * reader tells a service from what it depends on without reading a label:
 *
 *   service    a circle                      database   a cylinder standing up
 *   queue      a pipe lying down (messages   remote     a hexagon: someone else's API,
 *              go through it left to right)             not instrumented by anyone here
 *
 * Each shape is one closed `outline` (filled, stroked, the hover and click target) and, for the
 * cylinders, a `detail` stroke (the rim you see the top or the end of the pipe by).
 */
import type { NodeType } from "./api";

export interface ShapeBox {
  /** Centre. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ShapePaths {
  outline: string;
  /** Drawn over the outline, not filled; "" when the shape has none. */
  detail: string;
}

const r = (n: number) => Math.round(n * 10) / 10;

export function shapePaths(type: NodeType, box: ShapeBox): ShapePaths {
  const left = box.x - box.width / 2;
  const right = box.x + box.width / 2;
  const top = box.y - box.height / 2;
  const bottom = box.y + box.height / 2;
  switch (type) {
    case "service": {
      const radius = Math.min(box.width, box.height) / 2;
      // Two half-circle arcs: a circle as one path, so every shape is a <path>.
      return { outline: `M${r(box.x - radius)},${r(box.y)} A${r(radius)},${r(radius)} 0 1 1 ${r(box.x + radius)},${r(box.y)} A${r(radius)},${r(radius)} 0 1 1 ${r(box.x - radius)},${r(box.y)} Z`, detail: "" };
    }
    case "database": {
      // The top and bottom are half-ellipses a fifth of the height deep in all.
      const rx = box.width / 2;
      const ry = box.height / 10;
      const outline = `M${r(left)},${r(top + ry)} A${r(rx)},${r(ry)} 0 0 1 ${r(right)},${r(top + ry)} V${r(bottom - ry)} A${r(rx)},${r(ry)} 0 0 1 ${r(left)},${r(bottom - ry)} Z`;
      const detail = `M${r(left)},${r(top + ry)} A${r(rx)},${r(ry)} 0 0 0 ${r(right)},${r(top + ry)}`;
      return { outline, detail };
    }
    case "queue": {
      const rx = box.height / 5;
      const ry = box.height / 2;
      const outline = `M${r(left + rx)},${r(top)} H${r(right - rx)} A${r(rx)},${r(ry)} 0 0 1 ${r(right - rx)},${r(bottom)} H${r(left + rx)} A${r(rx)},${r(ry)} 0 0 1 ${r(left + rx)},${r(top)} Z`;
      const detail = `M${r(right - rx)},${r(top)} A${r(rx)},${r(ry)} 0 0 0 ${r(right - rx)},${r(bottom)}`;
      return { outline, detail };
    }
    case "remote": {
      const inset = box.width / 4;
      const points = [
        [left, box.y],
        [left + inset, top],
        [right - inset, top],
        [right, box.y],
        [right - inset, bottom],
        [left + inset, bottom],
      ] as const;
      return { outline: `M${points.map(([x, y]) => `${r(x)},${r(y)}`).join(" L")} Z`, detail: "" };
    }
  }
}

/** What a node is, in words: for the hover card, the legend and screen readers. */
export const NODE_TYPE_LABELS: Readonly<Record<NodeType, string>> = {
  service: "service",
  database: "database",
  queue: "message queue",
  remote: "remote API",
};
