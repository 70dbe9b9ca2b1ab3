// A shopping cart panel: a reducer, its actions, totals and the component.
interface Line {
  sku: string;
  title: string;

  price: number;
  quantity: number;
}

interface CartState {
  lines: Line[];
  coupon?: string;

  open: boolean;
}

type Action =
  | { type: "add"; line: Line }
  | { type: "remove"; sku: string }
  | { type: "coupon"; code: string }
  | { type: "toggle" };

export function reduce(state: CartState, action: Action): CartState {
  switch (action.type) {
    case "add": {
      const existing = state.lines.find((l) => l.sku === action.line.sku);
      if (existing) {
        const lines = state.lines.map((l) =>
          l.sku === action.line.sku
            ? { ...l, quantity: l.quantity + action.line.quantity }
            : l,
        );
        return { ...state, lines };
      }

      return { ...state, lines: [...state.lines, action.line] };
    }

    case "remove":
      return {
        ...state,
        lines: state.lines.filter((l) => l.sku !== action.sku),
      };

    case "coupon":
      return { ...state, coupon: action.code.trim().toUpperCase() };
    case "toggle":
      return { ...state, open: !state.open };
  }
}

export function subtotal(lines: Line[]): number {
  let total = 0;
  for (const line of lines) {
    total += line.price * line.quantity;
  }

  return total;
}

export function discount(total: number, coupon?: string): number {
  if (!coupon) {
    return 0;
  }
  const percent = coupon.startsWith("SAVE") ? Number(coupon.slice(4)) : 0;
  if (!Number.isFinite(percent) || percent <= 0) {
    return 0;
  }

  const capped = Math.min(percent, 50);
  return Math.round((total * capped) / 100);
}

export function CartPanel({
  state,
  onToggle,
}: {
  state: CartState;
  onToggle: () => void;
}) {
  const total = subtotal(state.lines);
  const off = discount(total, state.coupon);

  const due = total - off;
  const items = state.lines.map((line) => (
    <li key={line.sku}>
      {line.title} x {line.quantity}
    </li>
  ));

  return (
    <aside className={state.open ? "cart open" : "cart"}>
      <button onClick={onToggle}>Cart ({state.lines.length})</button>
      <ul>{items}</ul>
      <p>Total: {due}</p>
    </aside>
  );
}
