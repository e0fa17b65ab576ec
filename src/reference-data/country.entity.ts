import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** ISO 3166-1 countries with their UN M49 codes (seeded; see docs/reference-data.md). */
@Entity('countries')
export class Country {
  @PrimaryColumn({ type: 'char', length: 3 })
  alpha3: string;

  @Index('uq_countries_alpha2', { unique: true })
  @Column({ type: 'char', length: 2 })
  alpha2: string;

  @Index('uq_countries_m49', { unique: true })
  @Column({ type: 'char', length: 3 })
  m49: string;

  @Column({ type: 'text' })
  name: string;
}

/** Membership of the UN list of least developed countries, as intervals `[includedOn, graduatedOn)`. */
@Entity('ldc_memberships')
export class LdcMembership {
  @PrimaryColumn({ type: 'char', length: 3 })
  alpha3: string;

  @PrimaryColumn({ type: 'date' })
  includedOn: string;

  @Column({ type: 'date', nullable: true })
  graduatedOn: string | null;
}

/**
 * Membership of a developing-country grouping (default `g77`), as intervals `[joinedOn, leftOn)`.
 * Rows of another grouping can be loaded and chosen by configuration without a code change.
 */
@Entity('grouping_memberships')
export class GroupingMembership {
  @PrimaryColumn({ type: 'text' })
  grouping: string;

  @PrimaryColumn({ type: 'char', length: 3 })
  alpha3: string;

  @PrimaryColumn({ type: 'date' })
  joinedOn: string;

  @Column({ type: 'date', nullable: true })
  leftOn: string | null;
}
