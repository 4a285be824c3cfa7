/**
 * Where a hover card goes beside what it describes: above it if it fits, else below, right or
 * left, so it never covers the node or edge the reader is looking at; when nothing fits (a small
 * frame), above and pushed inside. Always within the frame's width.
 */

/** px from the frame's top left. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const GAP = 8;

const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, value));

const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * CSS `left` and `top` for a card of `card` size next to `anchor` inside a frame of `frame` size;
 * a place that also keeps clear of the `avoid` boxes (an edge's two nodes) wins over one that
 * merely fits.
 */
export function placeCard(anchor: Box, card: { width: number; height: number }, frame: { width: number; height: number }, avoid: readonly Box[] = []): string {
  const centreX = (anchor.left + anchor.right) / 2;
  const centreY = (anchor.top + anchor.bottom) / 2;
  const x = clamp(centreX - card.width / 2, 0, Math.max(0, frame.width - card.width));
  const y = clamp(centreY - card.height / 2, 0, Math.max(0, frame.height - card.height));
  const candidates: Array<{ left: number; top: number; fits: boolean }> = [
    { left: x, top: anchor.top - GAP - card.height, fits: anchor.top - GAP - card.height >= 0 },
    { left: x, top: anchor.bottom + GAP, fits: anchor.bottom + GAP + card.height <= frame.height },
    { left: anchor.right + GAP, top: y, fits: anchor.right + GAP + card.width <= frame.width },
    { left: anchor.left - GAP - card.width, top: y, fits: anchor.left - GAP - card.width >= 0 },
  ];
  const clear = (c: { left: number; top: number }) => !avoid.some((box) => overlaps(box, { left: c.left, top: c.top, right: c.left + card.width, bottom: c.top + card.height }));
  const best = candidates.find((c) => c.fits && clear(c)) ?? candidates.find((c) => c.fits);
  const at = (left: number, top: number) => `left:${Math.round(left)}px;top:${Math.round(top)}px`;
  return best ? at(best.left, best.top) : at(x, Math.max(0, anchor.top - GAP - card.height));
}
