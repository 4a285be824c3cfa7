/**
 * Writing to the clipboard: the Clipboard API, and a hidden textarea with `execCommand("copy")`
 * where the API is refused (plain http on a non-localhost origin).
 */
export async function writeClipboard(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    return copyWithTextarea(value);
  }
}

/**
 * Copies text that is still being fetched. The click's user activation may have expired by the
 * time the text arrives (Safari requires it for `writeText`), so where the browser accepts a
 * promised ClipboardItem the write starts within the click; otherwise the text is written once it
 * is in. Rejects with the fetch's error, resolves false when the clipboard refused.
 */
export async function writeClipboardLater(text: Promise<string>): Promise<boolean> {
  if (typeof ClipboardItem !== "undefined" && typeof navigator.clipboard?.write === "function") {
    const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
    try {
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
      return true;
    } catch {
      // The text failed to arrive (surface that), or the browser refused the promised item: try plainly.
      return writeClipboard(await text);
    }
  }
  return writeClipboard(await text);
}

function copyWithTextarea(value: string): boolean {
  const area = document.createElement("textarea");
  area.value = value;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
