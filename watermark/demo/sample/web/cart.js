"use strict";

const { formatMoney, formatQuantity } = require("./format");

const TAX_RATE = 0.2;
const FREE_SHIPPING_FROM = 5000;
const SHIPPING = 490;

class Cart {
  constructor(currency = "EUR") {
    this.currency = currency;
    this.lines = new Map();
    this.coupons = [];
  }

  add(sku, name, price, quantity = 1) {
    if (!sku) {
      throw new Error("cart: empty SKU");
    }
    if (quantity <= 0) {
      throw new Error(`cart: quantity must be positive, got ${quantity}`);
    }
    const line = this.lines.get(sku) || { sku, name, price, quantity: 0 };
    line.quantity += quantity;
    line.price = price;
    this.lines.set(sku, line);
    return line;
  }

  remove(sku, quantity = Infinity) {
    const line = this.lines.get(sku);
    if (!line) {
      return false;
    }
    line.quantity -= Math.min(quantity, line.quantity);
    if (line.quantity === 0) {
      this.lines.delete(sku);
    }
    return true;
  }

  applyCoupon(code, percent) {
    if (percent <= 0 || percent > 50) {
      throw new Error(`cart: coupon ${code} has an invalid discount`);
    }
    if (this.coupons.some((c) => c.code === code)) {
      return false;
    }
    this.coupons.push({ code, percent });
    return true;
  }

  subtotal() {
    let total = 0;
    for (const line of this.lines.values()) {
      total += line.price * line.quantity;
    }
    return total;
  }

  discount() {
    const subtotal = this.subtotal();
    let best = 0;
    for (const coupon of this.coupons) {
      best = Math.max(best, coupon.percent);
    }
    return Math.round((subtotal * best) / 100);
  }

  shipping() {
    const net = this.subtotal() - this.discount();
    if (net === 0 || net >= FREE_SHIPPING_FROM) {
      return 0;
    }
    return SHIPPING;
  }

  tax() {
    const net = this.subtotal() - this.discount() + this.shipping();
    return Math.round(net * TAX_RATE);
  }

  total() {
    const net = this.subtotal() - this.discount();
    const shipping = this.shipping();
    const tax = this.tax();
    return net + shipping + tax;
  }

  summary() {
    const rows = [];
    for (const line of this.lines.values()) {
      const amount = formatMoney(line.price * line.quantity, this.currency);
      rows.push(`${formatQuantity(line.quantity)} ${line.name}: ${amount}`);
    }
    rows.push(`discount: -${formatMoney(this.discount(), this.currency)}`);
    rows.push(`shipping: ${formatMoney(this.shipping(), this.currency)}`);
    rows.push(`tax: ${formatMoney(this.tax(), this.currency)}`);
    rows.push(`total: ${formatMoney(this.total(), this.currency)}`);
    return rows.join("\n");
  }
}

function mergeCarts(a, b) {
  const merged = new Cart(a.currency);
  for (const cart of [a, b]) {
    for (const line of cart.lines.values()) {
      merged.add(line.sku, line.name, line.price, line.quantity);
    }
    for (const coupon of cart.coupons) {
      merged.applyCoupon(coupon.code, coupon.percent);
    }
  }
  return merged;
}

module.exports = { Cart, mergeCarts, TAX_RATE };
