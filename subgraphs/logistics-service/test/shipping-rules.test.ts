// The shipping rules as docs/shipping-rules.md states them.
import { describe, expect, it } from '@jest/globals';
import { Unprocessable } from '@supply/service-kit/errors';
import { classifyResponse, retryDelayMs } from '../src/reports.ts';
import {
  addBusinessDays,
  carrierFor,
  costCents,
  estimatedDeliveryDate,
  newTrackingNumber,
  quote,
  weightBand,
  zoneOf,
} from '../src/shipping-rules.ts';
import { canMove, type ShipmentStatus, shipmentStatuses } from '../src/status-machine.ts';

describe('zones', () => {
  it.each([
    ['US', 'domestic'],
    ['CA', 'north-america'],
    ['MX', 'north-america'],
    ['DE', 'europe'],
    ['FR', 'europe'],
    ['GB', 'europe'],
    ['CH', 'europe'],
    ['NO', 'europe'],
    ['IS', 'europe'],
    ['JP', 'asia-pacific'],
    ['CN', 'asia-pacific'],
    ['IN', 'asia-pacific'],
    ['AU', 'asia-pacific'],
    ['NZ', 'asia-pacific'],
    ['BR', 'rest-of-world'],
    ['ZA', 'rest-of-world'],
    ['PR', 'rest-of-world'],
  ])('puts %s in %s', (country, zone) => {
    expect(zoneOf(country)).toBe(zone);
  });
});

describe('legs', () => {
  it.each([
    ['NL', 'NL', 'domestic'],
    ['SG', 'SG', 'domestic'],
    ['US', 'NL', 'north-america'],
    ['DE', 'NL', 'europe'],
    ['US', null, 'domestic'],
  ])('puts a leg to %s from %s in %s', (country, origin, zone) => {
    expect(zoneOf(country, origin)).toBe(zone);
  });
});

describe('carriers', () => {
  it('ships domestic parcels with Parcelink and international ones with GlobePost or SwiftAir', () => {
    expect(carrierFor('domestic', 'standard')).toBe('Parcelink Ground');
    expect(carrierFor('domestic', 'express')).toBe('Parcelink Air');
    for (const zone of ['north-america', 'europe', 'asia-pacific', 'rest-of-world'] as const) {
      expect(carrierFor(zone, 'standard')).toBe('GlobePost');
      expect(carrierFor(zone, 'express')).toBe('SwiftAir Express');
    }
  });
});

describe('weight bands and cost', () => {
  it.each([
    [1, 'letter'],
    [500, 'letter'],
    [501, 'small'],
    [2_000, 'small'],
    [2_001, 'medium'],
    [10_000, 'medium'],
    [10_001, 'large'],
    [30_000, 'large'],
  ])('puts %p g in the %s band', (grams, band) => {
    expect(weightBand(grams)).toBe(band);
  });

  it.each([
    ['domestic', 'standard', 400, 599],
    ['domestic', 'standard', 1_200, 599 + 2 * 99],
    ['domestic', 'express', 2_000, 1_499 + 2 * 249],
    ['north-america', 'standard', 501, 1_299 + 249],
    ['europe', 'express', 2_001, 3_999 + 3 * 799 + 400],
    ['asia-pacific', 'standard', 30_000, 2_199 + 30 * 449 + 1_200],
    ['rest-of-world', 'express', 10_001, 4_999 + 11 * 1_099 + 1_200],
  ] as const)('prices %s %s at %p g as %p cents', (zone, level, grams, cents) => {
    expect(costCents(zone, level, grams)).toBe(cents);
  });

  it('refuses a parcel over 30 kg as unprocessable', () => {
    expect(() => costCents('domestic', 'standard', 30_001)).toThrow(Unprocessable);
    expect(() => weightBand(30_001)).toThrow(/too heavy for parcel shipping/);
  });
});

describe('business days', () => {
  const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
  const plus = (iso: string, days: number) => addBusinessDays(day(iso), days).toISOString().slice(0, 10);

  it('counts Monday to Friday and skips the weekend', () => {
    expect(plus('2026-11-25', 2)).toBe('2026-11-27'); // Wednesday -> Friday
    expect(plus('2026-11-27', 1)).toBe('2026-11-30'); // Friday -> Monday
    expect(plus('2026-11-27', 5)).toBe('2026-12-04'); // Friday -> next Friday
    expect(plus('2026-11-25', 8)).toBe('2026-12-07'); // across one weekend
    expect(plus('2026-11-28', 1)).toBe('2026-11-30'); // Saturday -> Monday
    expect(plus('2026-11-29', 2)).toBe('2026-12-01'); // Sunday -> Tuesday
  });

  it('counts from the UTC calendar day of creation', () => {
    expect(estimatedDeliveryDate(new Date('2026-11-27T23:59:59Z'), 'domestic', 'express')).toBe('2026-12-01');
    expect(estimatedDeliveryDate(new Date('2026-11-28T00:00:00Z'), 'domestic', 'express')).toBe('2026-12-01');
  });

  it.each([
    ['domestic', 'standard', 5],
    ['domestic', 'express', 2],
    ['north-america', 'standard', 7],
    ['north-america', 'express', 3],
    ['europe', 'standard', 8],
    ['europe', 'express', 3],
    ['asia-pacific', 'standard', 10],
    ['asia-pacific', 'express', 4],
    ['rest-of-world', 'standard', 14],
    ['rest-of-world', 'express', 6],
  ] as const)('promises %s %s in %p business days', (zone, level, days) => {
    const created = day('2026-11-30'); // a Monday
    expect(estimatedDeliveryDate(created, zone, level)).toBe(plus('2026-11-30', days));
  });
});

describe('quote', () => {
  it('decides carrier, cost, currency and date together', () => {
    const result = quote({ country: 'DE', weightGrams: 1_600, serviceLevel: 'standard' }, day('2026-11-25'));
    expect(result).toEqual({
      zone: 'europe',
      carrier: 'GlobePost',
      costCents: 1_899 + 2 * 399,
      currency: 'USD',
      estimatedDeliveryDate: '2026-12-07',
    });
  });

  function day(iso: string) {
    return new Date(`${iso}T08:00:00Z`);
  }
});

describe('tracking numbers', () => {
  it.each([
    ['Parcelink Ground', 'PLG'],
    ['Parcelink Air', 'PLA'],
    ['GlobePost', 'GLP'],
    ['SwiftAir Express', 'SWX'],
  ] as const)('gives %s the prefix %s and 12 random capitals or digits', (carrier, prefix) => {
    const number = newTrackingNumber(carrier);
    expect(number).toMatch(new RegExp(`^${prefix}[A-Z0-9]{12}$`));
    expect(number).toMatch(/^[A-Z0-9]{8,40}$/);
  });

  it('draws every character from the random source', () => {
    expect(newTrackingNumber('GlobePost', () => 0)).toBe('GLPAAAAAAAAAAAA');
    expect(newTrackingNumber('GlobePost', (max) => max - 1)).toBe('GLP999999999999');
  });
});

describe('the status machine', () => {
  const allowed = new Set([
    'label_created>in_transit',
    'in_transit>delivered',
    'in_transit>exception',
    'exception>in_transit',
    'label_created>cancelled',
  ]);
  const pairs = shipmentStatuses.flatMap((from) => shipmentStatuses.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s is allowed exactly when the contract says so', (from, to) => {
    expect(canMove(from as ShipmentStatus, to as ShipmentStatus)).toBe(allowed.has(`${from}>${to}`));
  });
});

describe('report delivery policy', () => {
  it('backs off from the base, doubling, up to the cap', () => {
    const delays = [1, 2, 3, 4, 9, 10, 30].map((attempts) => retryDelayMs(attempts, 1_000, 300_000));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000]);
  });

  it('lands on 2xx, stops on a final 4xx, retries everything else', () => {
    expect(classifyResponse(204, '')).toEqual({ kind: 'landed' });
    expect(classifyResponse(200, {})).toEqual({ kind: 'landed' });
    expect(classifyResponse(409, { detail: 'order is cancelled' })).toEqual({
      kind: 'rejected',
      error: 'order-service answered 409: order is cancelled',
    });
    for (const status of [400, 404, 410, 422]) expect(classifyResponse(status, null).kind).toBe('rejected');
    for (const status of [401, 403, 408, 429, 500, 502, 503])
      expect(classifyResponse(status, null).kind).toBe('retry');
  });
});
