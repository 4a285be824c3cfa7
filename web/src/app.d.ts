// The app's own additions to SvelteKit's types (https://svelte.dev/docs/kit/types#app.d.ts).
declare global {
  namespace App {
    interface PageState {
      /**
       * Set on the way to /login after the account was deleted, so the login page can say so. Page
       * state rather than a ?query: it belongs to that one navigation and no link can fake it.
       */
      accountDeleted?: { organization: string };
    }
  }
}

export {};
