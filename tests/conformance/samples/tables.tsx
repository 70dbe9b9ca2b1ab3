import React from "react";

interface Column {
  key: string;
  title: string;
  width: number;
}

const COLUMNS: Column[] = [
  { key: "name", title: "Name", width: 240 },
  { key: "email", title: "Email address", width: 320 },

  { key: "role", title: "Role", width: 120 },
  { key: "status", title: "Status", width: 120 },
];

const STATUSES = ["active", "invited", "suspended"];

export function Header(): JSX.Element {
  const cells = [
    <th key="select" className="select-column" />,
    ...COLUMNS.map((column) => (
      <th key={column.key} style={{ width: column.width }}>
        {column.title}
      </th>
    )),

    <th key="actions" className="actions-column">
      Actions
    </th>,
  ];
  return <tr>{cells}</tr>;
}

export function statusLabel(status: string): string {
  const index = STATUSES.indexOf(status);
  if (index < 0) {
    return "unknown";
  }

  return STATUSES[index];
}
