import { Injectable } from '@nestjs/common';
import { ReadReplicas } from '#src/database/read-replicas.js';
import type { ChainVerificationResponse, JournalPage } from '#src/ledger/ledger.dto.js';
import { JournalService } from '#src/ledger/journal.service.js';

/**
 * The auditor's reads of the journal, which may be answered by a read replica
 * (docs/decisions/0017-read-replicas.md). Entries are never changed once written and are
 * numbered in commit order, so a replica holds a prefix of the primary's journal.
 */
@Injectable()
export class LedgerQuery {
  constructor(
    private readonly journal: JournalService,
    private readonly replicas: ReadReplicas,
  ) {}

  /**
   * A page of entries after `afterSeq`. A replica's page is taken only when it is full: it is
   * then byte for byte the primary's. A shorter page reaches the replica's end, where the
   * primary may already hold more, so it is read on the primary, and the last page of an
   * export, or an entry just posted, is never missing.
   */
  async page(afterSeq: number, limit: number): Promise<JournalPage> {
    const entries = await this.replicas.snapshot(
      (manager) => this.journal.entriesAfter(afterSeq, limit + 1, manager),
      { acceptFromReplica: (found) => found.length > limit },
    );
    const page = entries.slice(0, limit);
    return {
      entries: page,
      nextAfterSeq: entries.length > limit ? page[page.length - 1].seq : null,
    };
  }

  /**
   * Recomputes the chain in one snapshot. On a replica it checks the journal up to the
   * replica's head, which the answer names (`headSeq`, `headHash`).
   */
  verify(): Promise<ChainVerificationResponse> {
    return this.replicas.snapshot((manager) => this.journal.verify(manager));
  }
}
