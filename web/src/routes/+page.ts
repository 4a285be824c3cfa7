import { redirect } from "@sveltejs/kit";
import type { PageLoad } from "./$types";

/** "/" is a doorway: the layout already sent anyone without a session to /login. */
export const load: PageLoad = async ({ parent }) => {
  await parent();
  redirect(307, "/search");
};
