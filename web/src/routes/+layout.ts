/**
 * A static single-page app: nothing is rendered on a server or at build time; the Worker serves
 * one index.html for every page (Workers Static Assets, single-page-application mode).
 *
 * Every page but login, sign-up and the invite link wants a session: without one, off to /login?next=….
 * (After sign-up or login the pages set the session first, so this never bounces them.)
 */
import { redirect } from "@sveltejs/kit";
import { isAuthForm, isPublicPath, session } from "$lib/api/session.svelte";
import type { LayoutLoad } from "./$types";

export const ssr = false;
export const prerender = false;

export const load: LayoutLoad = async ({ fetch, url }) => {
  const account = await session.load(fetch);
  if (!account && !isPublicPath(url.pathname)) {
    const next = url.pathname === "/" ? "" : `?next=${encodeURIComponent(url.pathname + url.search)}`;
    redirect(307, `/login${next}`);
  }
  // Someone logged in has no business on the login and sign-up forms.
  if (account && isAuthForm(url.pathname)) redirect(307, "/search");
  return {};
};
