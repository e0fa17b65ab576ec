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
import { Donor } from '#src/donors/donor.entity.js';
import type { Role } from '#src/auth/role.js';

/**
 * An API key as stored: the secret itself is never kept, only its SHA-256 digest, looked up
 * by a short public prefix so that the comparison of digests can be done in constant time.
 */
@Entity('api_keys')
@Check('ck_api_keys_role', `"role" IN ('admin', 'finance', 'auditor', 'donor')`)
@Check('ck_api_keys_donor', `("role" = 'donor') = ("donor_id" IS NOT NULL)`)
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: Role;

  @Column({ type: 'uuid', nullable: true })
  donorId: string | null;

  @ManyToOne(() => Donor, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'donor_id', foreignKeyConstraintName: 'fk_api_keys_donor' })
  donor?: Donor;

  @Index('uq_api_keys_prefix', { unique: true })
  @Column({ type: 'text' })
  prefix: string;

  @Column({ type: 'bytea' })
  secretHash: Buffer;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
