import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Country } from '#src/reference-data/country.entity.js';

export const DONOR_TYPES = [
  'member_state',
  'ngo',
  'private_sector',
  'ifi',
  'igo',
  'un_entity',
  'other',
] as const;
export type DonorType = (typeof DONOR_TYPES)[number];

/** A Member State or other stakeholder that contributes to the fund (SPEC section 5). */
@Entity('donors')
@Check(
  'ck_donors_type',
  `"type" IN ('member_state', 'ngo', 'private_sector', 'ifi', 'igo', 'un_entity', 'other')`,
)
@Check('ck_donors_member_state_country', `"type" <> 'member_state' OR "country_code" IS NOT NULL`)
@Check('ck_donors_name', `char_length("name") BETWEEN 1 AND 200`)
// At most one donor per Member State: the database, not only the service, keeps this true.
@Index('uq_donors_member_state', ['countryCode'], {
  unique: true,
  where: `"type" = 'member_state'`,
})
@Index('ix_donors_name', ['name', 'id'])
export class Donor {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: DonorType;

  @Column({ type: 'char', length: 3, nullable: true })
  countryCode: string | null;

  @ManyToOne(() => Country, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'country_code', foreignKeyConstraintName: 'fk_donors_country' })
  country?: Country;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
