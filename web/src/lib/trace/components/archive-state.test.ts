import { describe, expect, it } from "vitest";
import { ARCHIVE_LABELS, archiveButton, archiveError, nextAction, type ArchiveState } from "./archive-state";

const ALL: ArchiveState[] = ["checking", "unknown", "archived", "not-archived", "archiving", "releasing"];

describe("archiveButton", () => {
  it("explains what archiving means in every state", () => {
    for (const state of ALL) expect(archiveButton(state).title, state).toMatch(/^Archived traces are kept past your retention period\./);
  });

  it("is pressed only while the server holds an archived copy", () => {
    expect(ALL.filter((state) => archiveButton(state).pressed === true)).toEqual(["archived", "releasing"]);
    expect(archiveButton("checking").pressed).toBeUndefined();
    expect(archiveButton("unknown").pressed).toBeUndefined();
  });

  it("can be clicked only when a call is not already under way and the state is known or the check failed", () => {
    expect(ALL.filter((state) => !archiveButton(state).disabled)).toEqual(["unknown", "archived", "not-archived"]);
  });

  it("shows only labels the button reserves room for", () => {
    expect(new Set(ALL.map((state) => archiveButton(state).label))).toEqual(new Set(ARCHIVE_LABELS));
  });

  it("says what is happening while a call is pending", () => {
    expect(archiveButton("archiving").label).toBe("Archiving…");
    expect(archiveButton("releasing").label).toBe("Releasing…");
    expect(archiveButton("archived").label).toBe("Archived");
  });
});

describe("nextAction", () => {
  it("archives a trace that is not archived, or whose status is unknown", () => {
    expect(nextAction("not-archived")).toEqual({ call: "archive", pending: "archiving", done: "archived", failed: "not-archived" });
    expect(nextAction("unknown")).toEqual({ call: "archive", pending: "archiving", done: "archived", failed: "unknown" });
  });

  it("releases an archived trace and stays archived if that fails", () => {
    expect(nextAction("archived")).toEqual({ call: "release", pending: "releasing", done: "not-archived", failed: "archived" });
  });

  it("does nothing while checking or while a call is pending", () => {
    expect(nextAction("checking")).toBeNull();
    expect(nextAction("archiving")).toBeNull();
    expect(nextAction("releasing")).toBeNull();
  });
});

describe("archiveError", () => {
  it("names the call that failed", () => {
    expect(archiveError("archive", "trace not found")).toBe("Could not archive this trace: trace not found");
    expect(archiveError("release", "the server answered 500")).toBe("Could not release this trace: the server answered 500");
    expect(archiveError("check", "could not reach the server (Failed to fetch)")).toBe("Could not check whether this trace is archived: could not reach the server (Failed to fetch)");
  });
});
