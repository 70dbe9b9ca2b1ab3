// Shapes of TypeScript a release holds: interfaces, type literals, enums,
// overloads, abstract classes, decorators, namespaces.
import { strict as assert } from "node:assert";

export interface Point {
  x: number;
  y: number;

  // the third dimension, when there is one
  z?: number;
  readonly label: string;
  move(dx: number, dy: number): Point;

  [key: string]: unknown;
}

export type Box = {
  min: Point;
  max: Point;

  area?: number;
};

export enum Unit {
  Millimetre = "mm",
  Inch = "in",

  Point = "pt",
}

export function scale(p: number, by: number): number;
export function scale(p: Point, by: number): Point;

export function scale(p: number | Point, by: number): number | Point {
  if (typeof p === "number") {
    return p * by;
  }
  const moved = p.move(0, 0);
  assert(moved.label === p.label);

  return { ...moved, x: p.x * by, y: p.y * by };
}

function logged(target: object, name: string): void {
  const seen = new Set<string>();
  seen.add(name);
  console.log(target, seen.size);
}

export abstract class Shape {
  protected readonly id: string;
  static count = 0;

  constructor(id: string) {
    this.id = id;
    Shape.count += 1;
  }

  abstract area(): number;

  describe(): string;
  describe(prefix: string): string;
  describe(prefix = ""): string {
    const name = `${prefix}${this.id}`;
    const size = this.area().toFixed(2);

    return `${name}: ${size}`;
  }
}

export class Square extends Shape {
  @logged
  side = 1;

  area(): number {
    const s = this.side;
    return s * s;
  }
}

export namespace Registry {
  export const shapes: Shape[] = [];

  export function add(shape: Shape): number {
    shapes.push(shape);
    const total = shapes.length;
    return total;
  }
}

export function unitName(unit: Unit): string {
  switch (unit) {
    case Unit.Millimetre:
      return "millimetre";

    case Unit.Inch:
      return "inch";
    default:
      return "point";
  }
}

export const defaults = {
  unit: Unit.Millimetre,
  precision: 2,

  origin: { x: 0, y: 0 },
};
