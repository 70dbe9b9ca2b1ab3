// Lists prettier keeps as written: statements, class members, the
// properties of expanded objects and switch cases, with and without
// comments and blank lines between them.
"use strict";

const LIMITS = {
  min: 1,
  // the largest batch
  max: 100,

  step: 5,
  label: "limits",
};

const handlers = {
  start() {
    return "start";
  },
  stop() {
    return "stop";
  },

  /* kept for old callers */
  pause: () => "pause",
  ...LIMITS,
};

class Queue {
  static created = 0;
  items = [];

  constructor(name) {
    this.name = name;
    Queue.created++;
  }

  // adds one item
  push(item) {
    this.items.push(item);
    return this.items.length;
  }
  pop() {
    const item = this.items.shift();
    if (item === undefined) {
      throw new Error(`${this.name} is empty`);
    }

    return item;
  }

  static {
    Queue.created = 0;
  }
}

function classify(n) {
  let kind = "none";
  const size = Math.abs(n);

  switch (true) {
    case size > LIMITS.max:
      kind = "large";
      break;

    case size > LIMITS.step:
      kind = "medium";
      break;
    // small ones
    case size > 0:
      kind = "small";
      break;
    default:
      kind = "zero";
  }
  for (let i = 0; i < size; i += LIMITS.step) {
    kind += ".";
  }

  return kind;
}

function drain(queue, limit = LIMITS.max) {
  const out = [];
  while (queue.items.length > 0 && out.length < limit) {
    out.push(queue.pop());
  }
  return out;
}

module.exports = { LIMITS, Queue, classify, drain, handlers };
