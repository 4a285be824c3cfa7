/**
 * A tenant's price table for model calls: USD per million input and output tokens, per model.
 * Shared by the Worker (the trace's cost through the API, search's minimum cost) and the app (the
 * agent view and the price editor), so a step costs the same wherever it is shown.
 *
 * The defaults are providers' public list prices as we last read them (2025): a starting point,
 * not a quote. Prices change, discounts and batch or cached-token rates differ, so the tenant is
 * told to check them and can replace the whole table.
 */

export interface ModelPrice {
  /** A model name as instrumentations report it (`gen_ai.request.model`/`response.model`), or its prefix. */
  model: string;
  /** USD per 1,000,000 input (prompt) tokens. */
  inputPerMillion: number;
  /** USD per 1,000,000 output (completion) tokens. */
  outputPerMillion: number;
}

export const DEFAULT_MODEL_PRICES: readonly ModelPrice[] = [
  { model: "gpt-4o", inputPerMillion: 2.5, outputPerMillion: 10 },
  { model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6 },
  { model: "gpt-4.1", inputPerMillion: 2, outputPerMillion: 8 },
  { model: "gpt-4.1-mini", inputPerMillion: 0.4, outputPerMillion: 1.6 },
  { model: "gpt-4.1-nano", inputPerMillion: 0.1, outputPerMillion: 0.4 },
  { model: "o3", inputPerMillion: 2, outputPerMillion: 8 },
  { model: "o4-mini", inputPerMillion: 1.1, outputPerMillion: 4.4 },
  { model: "text-embedding-3-small", inputPerMillion: 0.02, outputPerMillion: 0 },
  { model: "text-embedding-3-large", inputPerMillion: 0.13, outputPerMillion: 0 },
  { model: "claude-opus-4", inputPerMillion: 15, outputPerMillion: 75 },
  { model: "claude-sonnet-4", inputPerMillion: 3, outputPerMillion: 15 },
  { model: "claude-3-7-sonnet", inputPerMillion: 3, outputPerMillion: 15 },
  { model: "claude-3-5-sonnet", inputPerMillion: 3, outputPerMillion: 15 },
  { model: "claude-3-5-haiku", inputPerMillion: 0.8, outputPerMillion: 4 },
  { model: "gemini-2.5-pro", inputPerMillion: 1.25, outputPerMillion: 10 },
  { model: "gemini-2.5-flash", inputPerMillion: 0.3, outputPerMillion: 2.5 },
  { model: "gemini-2.0-flash", inputPerMillion: 0.1, outputPerMillion: 0.4 },
];

/** Bounds on a table a tenant saves: it is one small D1 value (≤ ~20 KB), read whole. */
export const MODEL_PRICE_LIMITS = { maxModels: 200, maxModelLength: 128, maxPerMillion: 10_000 } as const;

/**
 * The price of `model` in the table: an exact entry, else the longest entry the name starts with
 * followed by "-", "@", ":" or "/" (dated and versioned names such as `gpt-4o-mini-2024-07-18` or
 * `claude-3-5-haiku@20241022` price as their family). Case-insensitive. Undefined: no price.
 */
export function priceOf(table: readonly ModelPrice[], model: string): ModelPrice | undefined {
  const name = model.trim().toLowerCase();
  if (!name) return undefined;
  let best: ModelPrice | undefined;
  for (const entry of table) {
    const key = entry.model.toLowerCase();
    if (key === name) return entry;
    if (name.length > key.length && name.startsWith(key) && "-@:/".includes(name[key.length] as string)) {
      if (!best || key.length > best.model.length) best = entry;
    }
  }
  return best;
}

/** USD for these tokens at this price. */
export function costOf(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
}

export type PriceTableParse = { ok: true; prices: ModelPrice[] } | { ok: false; field: string; reason: string };

/**
 * Validates a table as a tenant sends it (`{prices: [{model, inputPerMillion, outputPerMillion}]}`'s
 * array): every problem is named with the field it is in, so the editor can point at it.
 */
export function parsePriceTable(input: unknown): PriceTableParse {
  if (!Array.isArray(input)) return { ok: false, field: "prices", reason: "prices must be an array of {model, inputPerMillion, outputPerMillion}" };
  if (input.length > MODEL_PRICE_LIMITS.maxModels) return { ok: false, field: "prices", reason: `at most ${MODEL_PRICE_LIMITS.maxModels} models, got ${input.length}` };
  const seen = new Set<string>();
  const prices: ModelPrice[] = [];
  for (const [i, entry] of input.entries()) {
    const at = `prices[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return { ok: false, field: at, reason: `${at} must be an object` };
    const record = entry as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== "model" && key !== "inputPerMillion" && key !== "outputPerMillion") {
        return { ok: false, field: `${at}.${key.slice(0, 64)}`, reason: `${at} has an unknown field "${key.slice(0, 64)}": allowed are model, inputPerMillion, outputPerMillion` };
      }
    }
    const model = typeof record.model === "string" ? record.model.trim() : record.model;
    if (typeof model !== "string" || model.length === 0) return { ok: false, field: `${at}.model`, reason: `${at}.model must be a non-empty string` };
    if (model.length > MODEL_PRICE_LIMITS.maxModelLength) return { ok: false, field: `${at}.model`, reason: `${at}.model is longer than ${MODEL_PRICE_LIMITS.maxModelLength} characters` };
    if (/[\u0000-\u001f\u007f]/.test(model)) return { ok: false, field: `${at}.model`, reason: `${at}.model must not contain control characters` };
    const key = model.toLowerCase();
    if (seen.has(key)) return { ok: false, field: `${at}.model`, reason: `${at}.model "${model.slice(0, 64)}" is listed twice` };
    seen.add(key);
    const price: ModelPrice = { model, inputPerMillion: 0, outputPerMillion: 0 };
    for (const field of ["inputPerMillion", "outputPerMillion"] as const) {
      const value = record[field];
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MODEL_PRICE_LIMITS.maxPerMillion) {
        return { ok: false, field: `${at}.${field}`, reason: `${at}.${field} must be a number of USD per million tokens from 0 to ${MODEL_PRICE_LIMITS.maxPerMillion}` };
      }
      price[field] = value;
    }
    prices.push(price);
  }
  return { ok: true, prices };
}
