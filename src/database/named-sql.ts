/**
 * A statement written with `:name` parameters, compiled once to PostgreSQL's `$1, $2, …`. The
 * hot paths send several writes as one statement of data-modifying CTEs (one round trip while
 * their locks are held); with dozens of parameters, names keep such a statement readable and
 * let one value be used in several places. `::type` casts are left alone.
 */
export interface NamedStatement<Name extends string = string> {
  /** The statement as sent, with `$n` placeholders. */
  readonly text: string;
  /** The parameter names in `$n` order. */
  readonly names: readonly Name[];
}

const PARAMETER = /(?<![:\w]):([A-Za-z]\w*)/g;

export function namedSql<Name extends string = string>(source: string): NamedStatement<Name> {
  const names: Name[] = [];
  const text = source
    .replace(/\s+/g, ' ')
    .trim()
    .replace(PARAMETER, (_, name: Name) => {
      const index = names.indexOf(name);
      return `$${index >= 0 ? index + 1 : names.push(name)}`;
    });
  return { text, names };
}

/** The values in `$n` order; throws when one is missing, which is a bug, not bad input. */
export function bindNamed<Name extends string>(
  statement: NamedStatement<Name>,
  values: Readonly<Record<Name, unknown>>,
): unknown[] {
  return statement.names.map((name) => {
    if (!(name in values)) throw new Error(`No value for the parameter :${name}`);
    return values[name];
  });
}
