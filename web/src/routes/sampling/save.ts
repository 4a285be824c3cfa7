/** What a form does with a failed save: a field's message beside it, anything else above the button. */
import { ApiError } from "$lib/api/errors";
import type { Problems } from "$lib/sampling/drafts";

export function saveFailure(error: unknown): { problems: Problems; formError: string } {
  if (error instanceof ApiError && error.field) return { problems: { [error.field]: error.message }, formError: "" };
  return { problems: {}, formError: `Not saved: ${error instanceof Error ? error.message : String(error)}` };
}
