export interface Route {
  path: string;
  handler: (request: Request) => Response;
  methods: readonly string[];
}

export const bytesToHex: ReadonlyArray<string> = [
  "00",
  "01",
  "02",
  "03",
  "04",
  "05",

  "06",
  "07",
  "08",
  "09",
  "0a",
  "0b",
  "0c",
  "0d",
  "0e",
  "0f",
];

export const matrix: number[][] = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

export const messages = [
  "The request could not be understood by the server.",
  "The server refuses to authorize the request.",
  "The requested resource could not be found.",
] as const;

export const levels: Array<[name: string, weight: number]> = [
  ["debug", 10],
  ["info", 20],
  ["warning", 30],
  ["error", 40],
  ["critical", 50],
  ["fatal", 60],
  ["silent", 70],
];

export function weightOf(name: string): number | undefined {
  for (const [level, weight] of levels) {
    if (level === name) {
      return weight;
    }
  }

  return undefined;
}
