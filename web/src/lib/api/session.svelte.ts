/**
 * Who is logged in, shared by every page. Loaded once from GET /api/me; sign-up, login and
 * logout update it directly so navigation never waits on another round trip.
 */
import { api } from "./client";
import type { Account } from "./types";

class Session {
  account = $state<Account | null>(null);
  /** True once /api/me has answered (either way). */
  known = $state(false);
  /**
   * The ingest key sign-up returned, held in memory only until onboarding has shown it: the
   * server never shows a key twice, and it must not outlive this tab.
   */
  freshKey = $state<string | null>(null);
  #loading: Promise<Account | null> | undefined;

  /** The account, asking the server only the first time. */
  load(fetch?: typeof globalThis.fetch): Promise<Account | null> {
    if (this.known) return Promise.resolve(this.account);
    this.#loading ??= api.me({ fetch }).then(
      (account) => {
        this.set(account);
        return account;
      },
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  /**
   * Asks /api/me again: login and sign-up answer without the role and the organisations the
   * shell shows, and switching or joining changes them.
   */
  async refresh(): Promise<void> {
    this.set(await api.me());
  }

  set(account: Account | null): void {
    this.account = account;
    this.known = true;
    this.#loading = undefined;
    if (!account) this.freshKey = null;
  }
}

export const session = new Session();

/** Pages anyone may open; every other page asks for a session first. */
export function isPublicPath(pathname: string): boolean {
  return isAuthForm(pathname) || pathname === "/invite";
}

/** The login and sign-up forms, which someone signed in has no use for (an invite link they may well open). */
export function isAuthForm(pathname: string): boolean {
  return pathname === "/login" || pathname === "/signup";
}
