import { formatCents } from "./format";

export type Cents = number;

export enum InvoiceStatus {
  Draft = "draft",
  Issued = "issued",
  Paid = "paid",
  Void = "void",
}

export interface Customer {
  id: string;
  name: string;
  email: string;

  taxExempt: boolean;
  paymentTermsDays: number;
}

export interface LineItem {
  sku: string;
  description: string;
  unitPrice: Cents;
  quantity: number;
}

export const VAT_RATE = 0.2;
export const LATE_FEE_RATE = 0.015;
export const MAX_LATE_FEE: Cents = 5000;

export class Invoice {
  status: InvoiceStatus = InvoiceStatus.Draft;
  issuedAt: Date | null = null;
  private readonly lines: LineItem[] = [];
  private paid: Cents = 0;

  constructor(
    readonly number: string,
    readonly customer: Customer,
    readonly currency: string = "EUR",
  ) {}

  addLine(item: LineItem): void {
    if (this.status !== InvoiceStatus.Draft) {
      throw new Error(`invoice ${this.number}: already issued`);
    }
    if (item.quantity <= 0 || item.unitPrice < 0) {
      throw new Error(`invoice ${this.number}: bad line ${item.sku}`);
    }
    const same = this.lines.filter((line) => line.sku === item.sku);
    if (same.length > 0) {
      same[0].quantity += item.quantity;
      return;
    }
    this.lines.push({ ...item });
  }

  subtotal(): Cents {
    let total = 0;
    for (const line of this.lines) {
      total += line.unitPrice * line.quantity;
    }
    return total;
  }

  tax(): Cents {
    if (this.customer.taxExempt) {
      return 0;
    }
    const tax = this.subtotal() * VAT_RATE;
    return Math.round(tax);
  }

  total(): Cents {
    const subtotal = this.subtotal();
    const tax = this.tax();
    return subtotal + tax;
  }

  balance(): Cents {
    return this.total() - this.paid;
  }

  issue(now: Date): void {
    if (this.lines.length === 0) {
      throw new Error(`invoice ${this.number}: no lines`);
    }
    this.status = InvoiceStatus.Issued;
    this.issuedAt = now;
  }

  dueDate(): Date | null {
    if (this.issuedAt === null) {
      return null;
    }
    const due = new Date(this.issuedAt.getTime());
    due.setDate(due.getDate() + this.customer.paymentTermsDays);
    return due;
  }

  recordPayment(amount: Cents): Cents {
    if (this.status !== InvoiceStatus.Issued) {
      throw new Error(`invoice ${this.number}: not open for payment`);
    }
    const applied = Math.min(amount, this.balance());
    this.paid += applied;
    if (this.balance() === 0) {
      this.status = InvoiceStatus.Paid;
    }
    return amount - applied;
  }

  describe(): string {
    const amount = formatCents(this.total(), this.currency);
    const status = this.status.toUpperCase();
    return `${this.number} ${this.customer.name}: ${amount} (${status})`;
  }
}

export function daysOverdue(invoice: Invoice, today: Date): number {
  const due = invoice.dueDate();
  if (due === null || invoice.status !== InvoiceStatus.Issued) {
    return 0;
  }
  const millis = today.getTime() - due.getTime();
  const days = Math.floor(millis / 86400000);
  return Math.max(days, 0);
}

export function lateFee(invoice: Invoice, today: Date): Cents {
  const days = daysOverdue(invoice, today);
  if (days === 0) {
    return 0;
  }
  const months = Math.ceil(days / 30);
  const fee = Math.round(invoice.balance() * LATE_FEE_RATE * months);
  return Math.min(fee, MAX_LATE_FEE);
}

export function nextInvoiceNumber(prefix: string, last: string | null): string {
  if (last === null) {
    return `${prefix}-000001`;
  }
  const digits = last.slice(prefix.length + 1);
  const next = String(parseInt(digits, 10) + 1);
  let padded = next;
  while (padded.length < 6) {
    padded = "0" + padded;
  }
  return `${prefix}-${padded}`;
}
