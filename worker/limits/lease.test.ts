import { describe, expect, it } from "vitest";
import { LeaseBook } from "./lease";

const id = LeaseBook.id("ten_a", "key_1");

describe("LeaseBook", () => {
  it("admits requests while the lease has room and its window is open, and not one span more", () => {
    const book = new LeaseBook();
    book.hold(id, 300, 1_000);
    expect(book.take(id, 100, 0)).toBe(true);
    expect(book.take(id, 200, 999)).toBe(true);
    expect(book.take(id, 1, 999)).toBe(false); // used up exactly
  });

  it("admits nothing at or after the window's end, even with room left", () => {
    const book = new LeaseBook();
    book.hold(id, 300, 1_000);
    expect(book.take(id, 1, 1_000)).toBe(false);
  });

  it("keeps leases of different keys and tenants apart", () => {
    const book = new LeaseBook();
    book.hold(id, 300, 1_000);
    expect(book.take(LeaseBook.id("ten_a", "key_2"), 1, 0)).toBe(false);
    expect(book.take(LeaseBook.id("ten_b", "key_1"), 1, 0)).toBe(false);
    expect(book.take(LeaseBook.id("ten_a", null), 1, 0)).toBe(false);
  });

  it("owes back exactly what a retired lease left unused, once", () => {
    const book = new LeaseBook();
    book.hold(id, 300, 1_000);
    book.take(id, 120, 0);
    book.retire(id);
    expect(book.take(id, 1, 0)).toBe(false);
    expect(book.takeOwed(id)).toBe(180);
    expect(book.takeOwed(id)).toBe(0);
  });

  it("owes a lease replaced while still held, adding up the remainders of several", () => {
    const book = new LeaseBook();
    book.hold(id, 300, 1_000);
    book.take(id, 100, 0);
    book.hold(id, 50, 2_000); // a concurrent request's lease replaced the first
    book.retire(id);
    expect(book.takeOwed(id)).toBe(200 + 50);
  });

  it("expires only the lease the timer was set for, not a newer one", () => {
    const book = new LeaseBook();
    const first = book.hold(id, 300, 1_000);
    book.hold(id, 100, 2_000);
    expect(book.takeOwed(id)).toBe(300);
    book.expire(id, first);
    expect(book.takeOwed(id)).toBe(0);
    expect(book.take(id, 100, 1_500)).toBe(true);
  });

  it("takes spans given back into a live lease, but not into one retired or past its window", () => {
    const book = new LeaseBook();
    const lease = book.hold(id, 100, 1_000);
    book.take(id, 100, 0);
    expect(book.giveBack(id, lease, 100, 500)).toBe(true);
    expect(book.take(id, 100, 600)).toBe(true);
    expect(book.giveBack(id, lease, 10, 1_000)).toBe(false);
    book.retire(id);
    expect(book.giveBack(id, lease, 10, 0)).toBe(false);
  });

  it("asks for a few requests' worth first, then twice what the last lease used", () => {
    const book = new LeaseBook();
    expect(book.wanted(id, 100)).toBe(400);
    book.hold(id, 2_000, 1_000);
    book.take(id, 1_500, 0);
    book.retire(id);
    expect(book.wanted(id, 100)).toBe(3_000);
    book.hold(id, 3_000, 2_000);
    book.retire(id); // unused: the next ask falls back to a few requests' worth
    expect(book.wanted(id, 100)).toBe(400);
  });
});
