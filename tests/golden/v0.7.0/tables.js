"use strict";

const hexDigits = [
  "00", "01", "02", "03", "04", "05", "06", "07",
  "08", "09", "0a", "0b", "0c", "0d", "0e", "0f",
];

const names = [
  "alpha",
  "bravo",
  "charlie",

  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliet",
  "kilo",
  "lima",
];

const primes = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
  73, 79, 83, 89, 97,
];

const short = ["a", "b"];

const routes = [
  { path: "/", handler: home, methods: ["GET"] },
  { path: "/login", handler: login, methods: ["GET", "POST"] },

  { path: "/logout", handler: logout, methods: ["POST"] },
  { path: "/items/:id", handler: item, methods: ["GET", "PUT", "DELETE"] },
];

const annotated = [
  // the first group
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
];

const handlers = [
  function onOpen(event) {
    log("open", event.target);
    return true;
  },
  function onClose(event) {
    log("close", event.target);

    return false;
  },
  (event) => log("message", event.data),
];

function lookup(table, key) {
  const index = table.indexOf(key);
  if (index < 0) {
    return null;
  }

  return table[index];
}

module.exports = { hexDigits, names, primes, short, routes, annotated, handlers, lookup };
