/** A page of a cursor-paginated list: its items, and where the next page starts. */
export interface Page<Item> {
  items: Item[];
  next_cursor: string | null;
  has_more: boolean;
}

/**
 * Every item of every page, fetched one page at a time as the loop asks for more: each page's
 * `next_cursor` asks for the next, until a page says `has_more: false`. Stopping the loop early
 * fetches nothing more.
 */
export async function* paginate<Item>(fetchPage: (cursor: string | undefined) => Promise<Page<Item>>): AsyncGenerator<Item> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.items;
    if (!page.has_more || page.next_cursor === null) return;
    cursor = page.next_cursor;
  }
}
