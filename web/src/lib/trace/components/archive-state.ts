/**
 * The archive toggle's states and what each shows, apart from the component so every state can be
 * checked without a DOM. The title is the tooltip: it says what archiving means in every state.
 *
 *   checking ──▶ archived ◀──▶ (releasing / archiving) ◀──▶ not archived
 *        └────▶ unknown (the check failed; archiving is still offered, and harmless if it was)
 */

export type ArchiveState = "checking" | "unknown" | "archived" | "not-archived" | "archiving" | "releasing";

/** Every label the button shows: it is laid out as wide as the widest, so it never resizes. */
export const ARCHIVE_LABELS = ["Archive", "Archived", "Archiving…", "Releasing…"] as const;

export interface ArchiveButton {
  label: (typeof ARCHIVE_LABELS)[number];
  /** aria-pressed; undefined while the answer is not known. */
  pressed: boolean | undefined;
  disabled: boolean;
  title: string;
}

const KEPT = "Archived traces are kept past your retention period.";

export function archiveButton(state: ArchiveState): ArchiveButton {
  switch (state) {
    case "checking":
      return { label: "Archive", pressed: undefined, disabled: true, title: `${KEPT} Checking whether this one is…` };
    case "unknown":
      return { label: "Archive", pressed: undefined, disabled: false, title: `${KEPT} Could not check whether this one is; archiving it again is harmless.` };
    case "not-archived":
      return { label: "Archive", pressed: false, disabled: false, title: `${KEPT} Archive this trace to keep it.` };
    case "archived":
      return { label: "Archived", pressed: true, disabled: false, title: `${KEPT} This one is archived; release it to let it expire with the rest.` };
    case "archiving":
      // Pressed says what is true on the server, so it flips only once the call succeeded.
      return { label: "Archiving…", pressed: false, disabled: true, title: KEPT };
    case "releasing":
      return { label: "Releasing…", pressed: true, disabled: true, title: KEPT };
  }
}

/** What a click on the toggle does from `state`: the call to make and the states around it. */
export function nextAction(state: ArchiveState): { call: "archive" | "release"; pending: ArchiveState; done: ArchiveState; failed: ArchiveState } | null {
  switch (state) {
    case "not-archived":
    case "unknown":
      return { call: "archive", pending: "archiving", done: "archived", failed: state };
    case "archived":
      return { call: "release", pending: "releasing", done: "not-archived", failed: "archived" };
    default:
      return null;
  }
}

/** The error shown beside the toggle when a call failed. */
export function archiveError(call: "check" | "archive" | "release", message: string): string {
  const what = call === "check" ? "Could not check whether this trace is archived" : call === "archive" ? "Could not archive this trace" : "Could not release this trace";
  return `${what}: ${message}`;
}
