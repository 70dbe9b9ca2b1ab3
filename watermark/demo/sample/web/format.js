"use strict";

const SYMBOLS = {
  EUR: "€",
  USD: "$",
  GBP: "£",
};

function formatMoney(cents, currency = "EUR") {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = String(abs % 100).padStart(2, "0");
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const symbol = SYMBOLS[currency] || `${currency} `;
  return `${sign}${symbol}${grouped}.${frac}`;
}

function formatQuantity(n) {
  if (n === 1) {
    return "1 x";
  }
  const text = String(n);
  return `${text} x`;
}

function parseMoney(text) {
  const cleaned = text.replace(/[^\d.-]/g, "");
  const value = Number.parseFloat(cleaned);
  if (Number.isNaN(value)) {
    throw new Error(`format: not an amount: ${text}`);
  }
  const cents = Math.round(value * 100);
  return cents;
}

module.exports = { formatMoney, formatQuantity, parseMoney };
