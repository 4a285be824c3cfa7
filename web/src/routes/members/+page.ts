/**
 * The organisation's members, and its pending invites (admins and owners: others are refused
 * them, and the page shows no invite section). Both promises go to the page unawaited;
 * changes rerun this through invalidate("app:members").
 */
import { api } from "$lib/api/client";
import { settle } from "$lib/monitor/api";
import type { PageLoad } from "./$types";

export const load: PageLoad = ({ fetch, depends }) => {
  depends("app:members");
  return { members: settle(api.members({ fetch })), invites: settle(api.invites({ fetch })) };
};
