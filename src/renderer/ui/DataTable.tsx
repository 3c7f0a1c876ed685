import type { ComponentChildren } from 'preact';

interface Props {
  /** The table's class: the styles and the browser tests select on it. */
  class: string;
  /** Column titles in order; `false` leaves out a column shown only sometimes (its rows leave out the cell too). */
  columns: readonly (string | false)[];
  /** A last column for each row's buttons, titled for screen readers only: sighted users see the buttons. */
  actions?: boolean;
  /** How many rows there are, once known (a list still loading shows the bare header). */
  count?: number;
  /** Stands instead of the table when `count` is 0. */
  empty?: string;
  /** Without the framed, scrolling wrapper: a table in a card has the card's frame; the compose page keeps its plain look. */
  bare?: boolean;
  children: ComponentChildren;
}

/** One table of a view: the header row from the column titles, the view's rows as children. */
export function DataTable({ class: name, columns, actions = false, count, empty, bare = false, children }: Props) {
  if (count === 0 && empty !== undefined) return <p class="empty">{empty}</p>;
  const table = (
    <table class={name}>
      <thead>
        <tr>
          {columns.map((title) => title !== false && <th key={title} scope="col">{title}</th>)}
          {actions && (
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
  return bare ? table : <div class="table-wrap">{table}</div>;
}
