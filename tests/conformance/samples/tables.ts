// Lookup tables: lists prettier keeps broken one element a line (their
// element boundaries carry marks) and lists it fills or joins (they do not).

interface DateFormat {
  name: string;
  pattern: string;
  separator: string;
}

type Level = [name: string, weight: number];

const LEVELS: readonly Level[] = [
  ["debug", 10],
  ["info", 20],

  ["warning", 30],
  ["error", 40],
  ["critical", 50],
  ["fatal", 60],
] as const;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",

  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const WEEKEND = ["Saturday", "Sunday"];

const FORMATS: DateFormat[] = [
  { name: "iso", pattern: "YYYY-MM-DD", separator: "-" },
  { name: "us", pattern: "MM/DD/YYYY", separator: "/" },

  { name: "eu", pattern: "DD.MM.YYYY", separator: "." },
  {
    name: "long",
    pattern: "D MMMM YYYY",
    separator: " ",
  },
];

const VALIDATORS = [
  (value: string) => typeof value === "string",
  (value: string) => value.length > 0,
  // a date must match one of the formats
  (value: string) => FORMATS.some((format) => matches(format, value)),
];

const PARSERS = [
  function parseIso(text: string) {
    const [year, month, day] = text.split("-");
    return { year: Number(year), month: Number(month), day: Number(day) };
  },

  function parseUs(text: string) {
    const [month, day, year] = text.split("/");
    return { year: Number(year), month: Number(month), day: Number(day) };
  },
];

function matches(format: DateFormat, value: string): boolean {
  const parts = value.split(format.separator);
  if (parts.length !== 3) {
    return false;
  }

  return parts.every((part) => /^\d+$/.test(part));
}

function monthName(index: number): string {
  return MONTHS[index % 12];
}

export {
  MONTHS,
  DAYS_IN_MONTH,
  WEEKEND,
  FORMATS,
  VALIDATORS,
  PARSERS,
  LEVELS,
  monthName,
};
