/**
 * The tenant's model price table in the D1 tenant directory (`tenants.model_prices`): one small
 * JSON value, null meaning the defaults. Read only by the routes that price GenAI traces (the
 * trace's agent steps, search by minimum cost, the editor), so it is not in the per-request tenant
 * cache: one indexed read when a price is needed, and a save is seen at once everywhere.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tenants } from "../db/schema";
import { DEFAULT_MODEL_PRICES, parsePriceTable, type ModelPrice } from "../model/model-prices";

export interface StoredPrices {
  prices: readonly ModelPrice[];
  /** True while the tenant has not saved a table of its own. */
  isDefault: boolean;
}

export async function loadModelPrices(db: D1Database, tenantId: string): Promise<StoredPrices> {
  const rows = await drizzle(db).select({ modelPrices: tenants.modelPrices }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  const json = rows[0]?.modelPrices ?? null;
  if (json === null) return { prices: DEFAULT_MODEL_PRICES, isDefault: true };
  try {
    // Validated when saved; parsed again so a hand-edited row cannot hand readers a bad table.
    const parsed = parsePriceTable(JSON.parse(json));
    if (parsed.ok) return { prices: parsed.prices, isDefault: false };
  } catch {
    // fall through: an unreadable row prices as the defaults rather than failing every read.
  }
  return { prices: DEFAULT_MODEL_PRICES, isDefault: true };
}

/** Saves the tenant's table; null goes back to the defaults. */
export async function saveModelPrices(db: D1Database, tenantId: string, prices: readonly ModelPrice[] | null): Promise<void> {
  await drizzle(db)
    .update(tenants)
    .set({ modelPrices: prices === null ? null : JSON.stringify(prices) })
    .where(eq(tenants.id, tenantId));
}
