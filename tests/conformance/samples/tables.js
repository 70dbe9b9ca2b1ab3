// Lookup tables: lists prettier keeps broken one element a line (their
// element boundaries carry marks) and lists it fills or joins (they do not).

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

const FORMATS = [
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
  (value) => typeof value === "string",
  (value) => value.length > 0,
  // a date must match one of the formats
  (value) => FORMATS.some((format) => matches(format, value)),
];

const PARSERS = [
  function parseIso(text) {
    const [year, month, day] = text.split("-");
    return { year: Number(year), month: Number(month), day: Number(day) };
  },

  function parseUs(text) {
    const [month, day, year] = text.split("/");
    return { year: Number(year), month: Number(month), day: Number(day) };
  },
];

function matches(format, value) {
  const parts = value.split(format.separator);
  if (parts.length !== 3) {
    return false;
  }

  return parts.every((part) => /^\d+$/.test(part));
}

function monthName(index) {
  return MONTHS[index % 12];
}

module.exports = {
  MONTHS,
  DAYS_IN_MONTH,
  WEEKEND,
  FORMATS,
  VALIDATORS,
  PARSERS,
  monthName,
};
