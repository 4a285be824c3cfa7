/**
 * A stable hue per service name, so a service keeps its colour across pills, the scatter plot and
 * every page (CSS turns the hue into light- and dark-theme colours).
 */
export function serviceHue(name: string): number {
  // FNV-1a: cheap, and spreads similar names ("api", "api-2") far apart.
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 360;
}
