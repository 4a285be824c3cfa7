/**
 * How the Agent tab writes tokens and money: whole tokens with separators, dollars to two
 * significant digits below a dime (a model call often costs $0.00018) and to the cent above, and
 * "no price" — never $0 — for tokens of a model the price table does not list.
 */
export function formatTokens(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (usd >= 100) return `$${usd.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
  if (usd >= 0.1) return `$${usd.toFixed(2)}`;
  // Two significant digits, in plain notation (no 4.5e-4).
  const digits = Math.min(12, 1 - Math.floor(Math.log10(usd)));
  return `$${usd.toFixed(digits).replace(/(\.\d*?[1-9])0+$/, "$1")}`;
}

/** A step's or trace's cost: "no price" when none of its counted tokens could be priced, "≥ $x" when some could not. */
export function formatCost(usd: number, priced: boolean): string {
  if (priced) return formatUsd(usd);
  return usd > 0 ? `≥ ${formatUsd(usd)}` : "no price";
}
