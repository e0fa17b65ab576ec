// Proves that the reference data seeded by the migrations is internally consistent (249 unique
// ISO 3166-1 entries, every membership row names a known country, intervals are well formed) and
// reproduces the facts the spec relies on: 49 LDCs on 1 December 2009, the graduations and the
// addition of South Sudan, and a G-77 list without Tuvalu and without China.
import { COUNTRIES } from '#src/reference-data/countries.data.js';
import { G77_MEMBERSHIP } from '#src/reference-data/g77.data.js';
import { LDC_MEMBERSHIP } from '#src/reference-data/ldc.data.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isValidDate(s: string): boolean {
  return ISO_DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

function ldcOn(day: string): string[] {
  return LDC_MEMBERSHIP.filter(
    (r) => r.includedOn <= day && (r.graduatedOn === null || day < r.graduatedOn),
  ).map((r) => r.alpha3);
}

function g77On(day: string): string[] {
  return G77_MEMBERSHIP.filter(
    (r) => r.joinedOn <= day && (r.leftOn === null || day < r.leftOn),
  ).map((r) => r.alpha3);
}

describe('COUNTRIES', () => {
  it('has the 249 ISO 3166-1 entries with unique alpha-3, alpha-2 and M49 codes', () => {
    expect(COUNTRIES).toHaveLength(249);
    expect(new Set(COUNTRIES.map((c) => c.alpha3)).size).toBe(249);
    expect(new Set(COUNTRIES.map((c) => c.alpha2)).size).toBe(249);
    expect(new Set(COUNTRIES.map((c) => c.m49)).size).toBe(249);
  });

  it('has well-formed codes and names, sorted by alpha-3', () => {
    for (const c of COUNTRIES) {
      expect(c.alpha3).toMatch(/^[A-Z]{3}$/);
      expect(c.alpha2).toMatch(/^[A-Z]{2}$/);
      expect(c.m49).toMatch(/^\d{3}$/);
      expect(c.name.trim()).toBe(c.name);
      expect(c.name.length).toBeGreaterThan(0);
    }
    const codes = COUNTRIES.map((c) => c.alpha3);
    expect(codes).toEqual([...codes].sort());
  });

  it('carries a few known rows exactly', () => {
    const find = (a3: string) => COUNTRIES.find((c) => c.alpha3 === a3);
    expect(find('KEN')).toEqual({ alpha3: 'KEN', alpha2: 'KE', m49: '404', name: 'Kenya' });
    expect(find('AFG')?.m49).toBe('004');
    expect(find('TZA')?.name).toBe('United Republic of Tanzania');
    expect(find('SSD')).toMatchObject({ alpha2: 'SS', m49: '728' });
  });
});

describe('LDC_MEMBERSHIP', () => {
  const known = new Set(COUNTRIES.map((c) => c.alpha3));

  it('names only known countries, once each, with well-formed intervals', () => {
    for (const r of LDC_MEMBERSHIP) {
      expect(known.has(r.alpha3)).toBe(true);
      expect(isValidDate(r.includedOn)).toBe(true);
      if (r.graduatedOn !== null) {
        expect(isValidDate(r.graduatedOn)).toBe(true);
        expect(r.includedOn < r.graduatedOn).toBe(true);
      }
    }
    expect(new Set(LDC_MEMBERSHIP.map((r) => r.alpha3)).size).toBe(LDC_MEMBERSHIP.length);
  });

  it('has exactly 49 LDCs on 1 December 2009', () => {
    expect(ldcOn('2009-12-01')).toHaveLength(49);
  });

  it('had already graduated Botswana and Cabo Verde by 1 December 2009', () => {
    const on = ldcOn('2009-12-01');
    expect(on).not.toContain('BWA');
    expect(on).not.toContain('CPV');
    expect(ldcOn('1994-12-19')).toContain('BWA');
    expect(ldcOn('2007-12-19')).toContain('CPV');
  });

  it('counts Maldives as an LDC in 2009 but not from 1 January 2011', () => {
    expect(ldcOn('2009-12-01')).toContain('MDV');
    expect(ldcOn('2010-12-31')).toContain('MDV');
    expect(ldcOn('2011-01-01')).not.toContain('MDV');
    expect(ldcOn('2012-01-01')).not.toContain('MDV');
  });

  it('adds South Sudan on 18 December 2012 only', () => {
    expect(ldcOn('2009-12-01')).not.toContain('SSD');
    expect(ldcOn('2012-12-17')).not.toContain('SSD');
    expect(ldcOn('2012-12-18')).toContain('SSD');
    expect(ldcOn('2013-01-01')).toContain('SSD');
  });

  it('applies the later graduations on their dates', () => {
    const graduations: [string, string][] = [
      ['WSM', '2014-01-01'],
      ['GNQ', '2017-06-04'],
      ['VUT', '2020-12-04'],
      ['BTN', '2023-12-13'],
      ['STP', '2024-12-13'],
    ];
    for (const [a3, day] of graduations) {
      const before = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString();
      expect(ldcOn(before.slice(0, 10))).toContain(a3);
      expect(ldcOn(day)).not.toContain(a3);
    }
    expect(ldcOn('2025-01-01')).toHaveLength(44);
  });
});

describe('G77_MEMBERSHIP', () => {
  const known = new Set(COUNTRIES.map((c) => c.alpha3));

  it('names only known countries, once each, with well-formed intervals', () => {
    for (const r of G77_MEMBERSHIP) {
      expect(known.has(r.alpha3)).toBe(true);
      expect(isValidDate(r.joinedOn)).toBe(true);
      expect(r.joinedOn >= '1964-06-15').toBe(true);
      if (r.leftOn !== null) {
        expect(isValidDate(r.leftOn)).toBe(true);
        expect(r.joinedOn < r.leftOn).toBe(true);
      }
    }
    expect(new Set(G77_MEMBERSHIP.map((r) => r.alpha3)).size).toBe(G77_MEMBERSHIP.length);
  });

  it('does not include Tuvalu (an LDC that is not a G-77 member) nor China', () => {
    const all = G77_MEMBERSHIP.map((r) => r.alpha3);
    expect(all).not.toContain('TUV');
    expect(all).not.toContain('CHN');
    expect(ldcOn('2009-12-01')).toContain('TUV');
  });

  it('matches the published member counts besides China: 129 in 2009, 134 today', () => {
    expect(g77On('2009-12-01')).toHaveLength(129);
    expect(g77On('2025-01-01')).toHaveLength(134);
  });

  it('records the departures before 2009 and Palestine as a member', () => {
    const on = g77On('2009-12-01');
    for (const gone of ['MEX', 'KOR', 'CYP', 'MLT']) expect(on).not.toContain(gone);
    expect(on).toContain('PSE');
    expect(on).toContain('KEN');
    expect(on).not.toContain('SSD');
  });
});
