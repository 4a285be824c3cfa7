/** Worker entry: the hono app, and the Durable Object classes wrangler binds by name. */
import { app } from "./app";

export { TraceShard } from "../durable-objects/trace-shard";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { IngestLimiter } from "../durable-objects/ingest-limiter";

export default app;
