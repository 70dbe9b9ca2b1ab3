import { formatCents, formatDate } from "./format";
import { Invoice, InvoiceStatus, daysOverdue } from "./invoice";

declare global {
  namespace JSX {
    interface Element {
      tag: string;
    }

    interface IntrinsicElements {
      [tag: string]: { className?: string; key?: string };
    }
  }
}

interface RowProps {
  invoice: Invoice;
  today: Date;
}

interface ListProps {
  title: string;
  invoices: Invoice[];
  today: Date;
}

function statusClass(invoice: Invoice, today: Date): string {
  if (invoice.status === InvoiceStatus.Paid) {
    return "invoice paid";
  }
  if (daysOverdue(invoice, today) > 0) {
    return "invoice overdue";
  }
  return "invoice";
}

export function InvoiceRow({ invoice, today }: RowProps): JSX.Element {
  const due = formatDate(invoice.dueDate());
  const balance = formatCents(invoice.balance(), invoice.currency);
  const late = daysOverdue(invoice, today);

  const note = late > 0 ? `${late} days late` : "";
  return (
    <li className={statusClass(invoice, today)} key={invoice.number}>
      <span>{invoice.number}</span> <span>{invoice.customer.name}</span>{" "}
      <span>due {due}</span> <strong>{balance}</strong> <em>{note}</em>
    </li>
  );
}

export function InvoiceList(props: ListProps): JSX.Element {
  const { title, invoices, today } = props;
  const open = invoices.filter((inv) => inv.status === InvoiceStatus.Issued);
  let outstanding = 0;
  for (const invoice of open) {
    outstanding += invoice.balance();
  }
  const currency = invoices.length > 0 ? invoices[0].currency : "EUR";

  const total = formatCents(outstanding, currency);
  return (
    <section className="invoices">
      <h2>{title}</h2>
      <ul>
        {open.map((invoice) => (
          <InvoiceRow invoice={invoice} today={today} />
        ))}
      </ul>
      <p>
        {open.length} open, {total} outstanding
      </p>
    </section>
  );
}
