// A form component with its validation rules.
type Field = { name: string; label: string; required?: boolean };

type Errors = Record<string, string>;

export function validate(
  fields: Field[],
  values: Record<string, string>,
): Errors {
  const errors: Errors = {};
  for (const field of fields) {
    const value = (values[field.name] ?? "").trim();
    if (field.required && value === "") {
      errors[field.name] = `${field.label} is required`;
      continue;
    }

    if (value.length > 200) {
      errors[field.name] = `${field.label} is too long`;
    }
  }

  return errors;
}

export function Form(props: {
  fields: Field[];
  values: Record<string, string>;
}) {
  const errors = validate(props.fields, props.values);
  const count = Object.keys(errors).length;

  const title = count ? `${count} problem(s)` : "Ready";
  return (
    <form>
      <p>{title}</p>
      {props.fields.map((field) => (
        <label key={field.name}>
          {field.label}
          <input name={field.name} defaultValue={props.values[field.name]} />

          {errors[field.name] && <span>{errors[field.name]}</span>}
        </label>
      ))}
    </form>
  );
}

export function initial(fields: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    out[field.name] = "";
  }

  const keys = Object.keys(out);
  if (keys.length === 0) {
    throw new Error("no fields");
  }
  return out;
}
