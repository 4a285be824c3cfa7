/**
 * Light or dark: the system's until the user picks one with the toggle; the pick is remembered
 * (localStorage) and set on <html data-theme> — app.html applies it again before first paint.
 */
const STORAGE_KEY = "edgetrace.theme";

type Choice = "light" | "dark" | "system";

class Theme {
  choice = $state<Choice>("system");
  #systemDark = $state(false);
  /** What is on screen now. */
  readonly dark = $derived(this.choice === "dark" || (this.choice === "system" && this.#systemDark));

  /** Reads the saved choice and follows the system; call once, in the browser. */
  start(): () => void {
    const stored = readStored();
    this.choice = stored;
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    this.#systemDark = media.matches;
    const follow = (event: MediaQueryListEvent) => (this.#systemDark = event.matches);
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }

  toggle(): void {
    this.set(this.dark ? "light" : "dark");
  }

  set(choice: Choice): void {
    this.choice = choice;
    if (choice === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
    try {
      if (choice === "system") localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Storage may be off (private mode); the choice still holds for this page.
    }
  }
}

function readStored(): Choice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

export const theme = new Theme();
