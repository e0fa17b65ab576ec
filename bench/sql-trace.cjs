// Preloaded (node --require) into the product and into the raw baseline by the bench's SQL parity
// check, never during a measured run: appends every statement either sends through `pg` to the
// file named by BENCH_SQL_TRACE, one JSON line each, so the bench can compare the two sequences.
'use strict';
const { appendFileSync } = require('node:fs');
const pg = require('pg');

const file = process.env.BENCH_SQL_TRACE;
const query = pg.Client.prototype.query;
if (file) {
  pg.Client.prototype.query = function tracedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config && config.text;
    if (typeof text === 'string') appendFileSync(file, `${JSON.stringify(text)}\n`);
    return query.call(this, config, ...rest);
  };
}
