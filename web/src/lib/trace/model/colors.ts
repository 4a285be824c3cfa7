/**
 * Service colours for one trace. Each service starts from its app-wide hue (`serviceHue`, the
 * colour its pill has on every page), but hashed hues collide — frontend 165° and notification
 * 158° are one green to the eye — and a timeline is unreadable when two services share a colour.
 * So, busiest service first, a hue too close to one already taken moves to the nearest free one. The busiest services keep their usual colour; only the clashing ones move.
 */
import { serviceHue } from "../../format/color";
import type { ViewTrace } from "./types";

/** Hues closer than this read as one colour at bar size. */
const MIN_GAP = 22;

const distance = (a: number, b: number) => {
  const d = Math.abs(a - b) % 360;
  return Math.min(d, 360 - d);
};

/**
 * Hues (whole degrees) for names in priority order. A name keeps its app-wide hue when that is at
 * least MIN_GAP from every hue already taken; otherwise it gets the nearest hue that is, or — on a
 * crowded wheel — the one farthest from all others.
 */
export function distinctHues(names: readonly string[]): number[] {
  const taken: number[] = [];
  const gapTo = (hue: number) => (taken.length ? Math.min(...taken.map((t) => distance(t, hue))) : 360);
  for (const name of names) {
    const own = serviceHue(name);
    let best = own;
    if (gapTo(own) < MIN_GAP) {
      let bestScore = -Infinity;
      for (let hue = 0; hue < 360; hue++) {
        const gap = gapTo(hue);
        // Any hue clear of the others beats every crowded one; among those, the nearest to its own.
        const score = gap >= MIN_GAP ? 1_000 - distance(hue, own) : gap;
        if (score > bestScore) {
          bestScore = score;
          best = hue;
        }
      }
    }
    taken.push(best);
  }
  return taken;
}

/** A hue per `ViewTrace.services` index. */
export function traceHues(trace: ViewTrace): number[] {
  return distinctHues(trace.services.map((s) => s.name));
}

/** A bar's colour as canvas wants it (CSS uses the same formula with `--hue`). */
export function barColor(hue: number, dark: boolean): string {
  return dark ? `hsl(${hue} 58% 56%)` : `hsl(${hue} 62% 50%)`;
}
