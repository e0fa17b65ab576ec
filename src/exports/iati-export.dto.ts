import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/**
 * The calendar year of an IATI export. The bounds keep the query to years a ledger of this fund
 * can hold (the fund dates from the 1990s) and reject a typo such as 20009 as a 400, not as an
 * empty file.
 */
export class IatiExportQuery {
  @ApiProperty({
    type: 'integer',
    minimum: 1990,
    maximum: 2100,
    example: 2009,
    description: 'Calendar year: transactions dated from 1 January to 31 December.',
  })
  @Type(() => Number)
  @IsInt()
  @Min(1990)
  @Max(2100)
  year: number;
}
