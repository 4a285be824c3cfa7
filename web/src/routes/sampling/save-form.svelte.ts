/**
 * What each Sampling form keeps while it is edited and saved: problems beside their inputs (keyed
 * by the server's field paths), a failure above the button, a confirmation once saved, and
 * whether a save is in flight. Each form only says how it builds its value and saves it.
 */
import type { Built, Problems } from "$lib/sampling/drafts";
import { saveFailure } from "./save";

export class SaveForm {
  problems = $state<Problems>({});
  formError = $state("");
  status = $state("");
  busy = $state(false);

  /** Any edit clears what the last attempt said. */
  edited = (): void => {
    this.problems = {};
    this.formError = "";
    this.status = "";
  };

  /** An input's link to its problem: marked invalid and described by the message beside it. */
  invalid = (path: string) => (this.problems[path] ? { "aria-invalid": "true" as const, "aria-describedby": `${path}-error` } : {});

  /** Saves a valid value (`save` answers with what to confirm), or shows why it is not one. */
  async submit<T>(built: Built<T>, save: (value: T) => Promise<string>): Promise<void> {
    this.edited();
    if (!built.ok) {
      this.problems = built.problems;
      return;
    }
    this.busy = true;
    try {
      this.status = await save(built.value);
    } catch (error) {
      ({ problems: this.problems, formError: this.formError } = saveFailure(error));
    } finally {
      this.busy = false;
    }
  }
}
