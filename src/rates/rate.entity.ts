import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { decimalTransformer } from '#src/common/money/decimal.transformer.js';
import type { Decimal } from '#src/common/money/money.js';

/**
 * A UN operational rate of exchange: units of `currency` per 1 USD from `effectiveOn`. Once a
 * posted journal line has used it, a trigger refuses to change or delete it.
 */
@Entity('rates')
@Check('ck_rates_positive', `"rate" > 0`)
@Check('ck_rates_not_usd', `"currency" <> 'USD'`)
export class Rate {
  @PrimaryColumn({ type: 'char', length: 3 })
  currency: string;

  @PrimaryColumn({ type: 'date' })
  effectiveOn: string;

  @Column({ type: 'numeric', transformer: decimalTransformer })
  rate: Decimal;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  setAt: Date;
}
