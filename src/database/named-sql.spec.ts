import { bindNamed, namedSql } from '#src/database/named-sql.js';

describe('namedSql', () => {
  it('numbers each name once, in order of first use, and leaves casts alone', () => {
    const statement = namedSql(`
      INSERT INTO t (a, b, c) VALUES (:first, :second::numeric, :first::text)
      RETURNING a::text`);
    expect(statement.text).toBe(
      'INSERT INTO t (a, b, c) VALUES ($1, $2::numeric, $1::text) RETURNING a::text',
    );
    expect(statement.names).toEqual(['first', 'second']);
  });

  it('binds values by name and refuses a missing one', () => {
    const statement = namedSql('SELECT :b, :a, :b');
    expect(bindNamed(statement, { a: 1, b: null })).toEqual([null, 1]);
    expect(() => bindNamed(statement, { a: 1 } as never)).toThrow('No value for the parameter :b');
  });
});
