import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { buildIatiActivities } from '#src/exports/iati-export.js';
import { readIatiFacts } from '#src/exports/iati.repository.js';

/** Files for other systems, built from the ledger's facts (docs/decisions/0011-iati-export.md). */
@Injectable()
export class ExportsService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The IATI 2.03 `iati-activities` document of the fund for a calendar year. Raises no domain
   * error: a year without transactions is still a valid document, with an activity and no
   * transaction. The facts are read in one REPEATABLE READ snapshot, so a payment posted while
   * the file is built is either wholly in it or wholly out, never half (a payment without its
   * reversal, say). `generatedAt` is the only input that is not a fact of the ledger.
   */
  iati(year: number, generatedAt: Date = new Date()): Promise<string> {
    const range = { from: `${String(year)}-01-01`, to: `${String(year)}-12-31` };
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const facts = await readIatiFacts(manager, range);
      return buildIatiActivities({ year, generatedAt, ...facts });
    });
  }
}
