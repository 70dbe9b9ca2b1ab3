// A dashboard card: props, state helpers and a component.
type Metric = { name: string; value: number; unit?: string };

interface CardProps {
  title: string;
  metrics: Metric[];

  compact?: boolean;
  onSelect?: (name: string) => void;
}

export function format(metric: Metric): string {
  const rounded = Math.round(metric.value * 100) / 100;
  const unit = metric.unit ?? "";

  return unit ? `${rounded} ${unit}` : String(rounded);
}

export function largest(metrics: Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const metric of metrics) {
    if (!best || metric.value > best.value) {
      best = metric;
    }
  }

  return best;
}

export function Card({ title, metrics, compact = false, onSelect }: CardProps) {
  const top = largest(metrics);
  const shown = compact ? metrics.slice(0, 3) : metrics;

  const select = (name: string) => {
    onSelect?.(name);
  };
  if (shown.length === 0) {
    return <div className="card empty">{title}</div>;
  }

  return (
    <div className="card">
      <h3>{title}</h3>
      {top && <strong>{format(top)}</strong>}

      <ul>
        {shown.map((metric) => (
          <li key={metric.name} onClick={() => select(metric.name)}>
            {metric.name}: {format(metric)}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function totals(metrics: Metric[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of metrics) {
    const key = metric.unit ?? "count";
    out[key] = (out[key] ?? 0) + metric.value;
  }

  const keys = Object.keys(out).sort();
  const sorted: Record<string, number> = {};
  for (const key of keys) {
    sorted[key] = out[key];
  }
  return sorted;
}
