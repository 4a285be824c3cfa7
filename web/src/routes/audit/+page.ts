/** The newest page of the audit trail; "Load more" pages back from the page itself. */
import { api } from "$lib/api/client";
import { settle } from "$lib/monitor/api";
import type { PageLoad } from "./$types";

export const load: PageLoad = ({ fetch, depends }) => {
  depends("app:audit");
  return { first: settle(api.audit(undefined, { fetch })) };
};
