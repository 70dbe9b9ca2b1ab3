// A component file: statements around JSX; JSX children carry nothing.
type Item = { id: number; title: string; done: boolean };

type Props = {
  items: Item[];
  heading: string;
};

declare namespace JSX {
  interface IntrinsicElements {
    [name: string]: unknown;
  }
}

export function TodoList({ items, heading }: Props) {
  const open = items.filter((item) => !item.done);
  const count = open.length;

  if (count === 0) {
    return <p className="empty">Nothing left</p>;
  }
  const title = `${heading} (${count})`;

  return (
    <section>
      <h2>{title}</h2>

      <ul>
        {open.map((item) => (
          <li key={item.id}>{item.title}</li>
        ))}
      </ul>
    </section>
  );
}

export function summary(items: Item[]): string {
  let done = 0;
  for (const item of items) {
    if (item.done) {
      done += 1;
    }
  }

  const left = items.length - done;
  return `${done} done, ${left} left`;
}
