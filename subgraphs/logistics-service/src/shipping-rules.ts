// The shipping rules, and the only file that knows them: zones, carriers,
// prices, delivery days and tracking numbers. Pure functions of their inputs;
// docs/shipping-rules.md is the same rules in prose and must change with them.
import { randomInt } from 'node:crypto';
import { Unprocessable } from '@supply/service-kit/errors';

export const serviceLevels = ['standard', 'express'] as const;
export type ServiceLevel = (typeof serviceLevels)[number];

export const zones = ['domestic', 'north-america', 'europe', 'asia-pacific', 'rest-of-world'] as const;
export type Zone = (typeof zones)[number];

export type Carrier = 'Parcelink Ground' | 'Parcelink Air' | 'GlobePost' | 'SwiftAir Express';

export const CURRENCY = 'USD';
export const MAX_WEIGHT_GRAMS = 30_000;

/** Where a warehouse whose address is not known ships from: the network's first warehouse was in the US. */
export const UNKNOWN_ORIGIN_COUNTRY = 'US';

// The international zone of each destination; a leg within one country is domestic.
const ZONE_BY_COUNTRY = new Map<string, Zone>([
  ...['US', 'CA', 'MX'].map((code) => [code, 'north-america'] as const),
  // EU members, then the rest of the European single-customs neighbourhood.
  ...[
    ...['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE'],
    ...['IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'],
    ...['GB', 'CH', 'NO', 'IS', 'LI'],
  ].map((code) => [code, 'europe'] as const),
  ...['JP', 'CN', 'KR', 'IN', 'SG', 'AU', 'NZ', 'HK', 'TW', 'TH', 'MY', 'ID', 'PH', 'VN'].map(
    (code) => [code, 'asia-pacific'] as const,
  ),
]);

/**
 * The zone of a leg (countries ISO 3166-1 alpha-2): domestic within one country,
 * else the destination's international zone.
 */
export function zoneOf(country: string, originCountry: string | null = UNKNOWN_ORIGIN_COUNTRY): Zone {
  if (country === (originCountry ?? UNKNOWN_ORIGIN_COUNTRY)) return 'domestic';
  return ZONE_BY_COUNTRY.get(country) ?? 'rest-of-world';
}

export function carrierFor(zone: Zone, level: ServiceLevel): Carrier {
  if (zone === 'domestic') return level === 'express' ? 'Parcelink Air' : 'Parcelink Ground';
  return level === 'express' ? 'SwiftAir Express' : 'GlobePost';
}

export type WeightBand = 'letter' | 'small' | 'medium' | 'large';

const BANDS: ReadonlyArray<{ band: WeightBand; upToGrams: number; handlingCents: number }> = [
  { band: 'letter', upToGrams: 500, handlingCents: 0 },
  { band: 'small', upToGrams: 2_000, handlingCents: 0 },
  { band: 'medium', upToGrams: 10_000, handlingCents: 400 },
  { band: 'large', upToGrams: MAX_WEIGHT_GRAMS, handlingCents: 1_200 },
];

function bandOf(weightGrams: number) {
  const found = BANDS.find((entry) => weightGrams <= entry.upToGrams);
  if (!found) {
    throw new Unprocessable(
      `A shipment of ${weightGrams} g is too heavy for parcel shipping (at most ${MAX_WEIGHT_GRAMS} g)`,
      { maxWeightGrams: MAX_WEIGHT_GRAMS },
    );
  }
  return found;
}

/** The weight band of a parcel; over 30 kg is Unprocessable. */
export function weightBand(weightGrams: number): WeightBand {
  return bandOf(weightGrams).band;
}

interface Tariff {
  baseCents: number;
  perKgCents: number;
  businessDays: number;
}

const TARIFFS: Record<Zone, Record<ServiceLevel, Tariff>> = {
  domestic: {
    standard: { baseCents: 599, perKgCents: 99, businessDays: 5 },
    express: { baseCents: 1_499, perKgCents: 249, businessDays: 2 },
  },
  'north-america': {
    standard: { baseCents: 1_299, perKgCents: 249, businessDays: 7 },
    express: { baseCents: 2_999, perKgCents: 499, businessDays: 3 },
  },
  europe: {
    standard: { baseCents: 1_899, perKgCents: 399, businessDays: 8 },
    express: { baseCents: 3_999, perKgCents: 799, businessDays: 3 },
  },
  'asia-pacific': {
    standard: { baseCents: 2_199, perKgCents: 449, businessDays: 10 },
    express: { baseCents: 4_499, perKgCents: 899, businessDays: 4 },
  },
  'rest-of-world': {
    standard: { baseCents: 2_499, perKgCents: 549, businessDays: 14 },
    express: { baseCents: 4_999, perKgCents: 1_099, businessDays: 6 },
  },
};

/**
 * Price in USD cents: the zone's base, plus its rate per started kilogram
 * (letters up to 500 g pay the base alone), plus the band's handling fee.
 */
export function costCents(zone: Zone, level: ServiceLevel, weightGrams: number): number {
  const { band, handlingCents } = bandOf(weightGrams);
  const tariff = TARIFFS[zone][level];
  const startedKg = band === 'letter' ? 0 : Math.ceil(weightGrams / 1_000);
  return tariff.baseCents + tariff.perKgCents * startedKg + handlingCents;
}

export function businessDaysFor(zone: Zone, level: ServiceLevel): number {
  return TARIFFS[zone][level].businessDays;
}

/** The UTC calendar day `days` working days (Mon–Fri, no holidays) after `from`'s. */
export function addBusinessDays(from: Date, days: number): Date {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  let left = days;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return date;
}

/** 'YYYY-MM-DD' of the day a parcel created at `createdAt` should arrive. */
export function estimatedDeliveryDate(createdAt: Date, zone: Zone, level: ServiceLevel): string {
  return addBusinessDays(createdAt, businessDaysFor(zone, level)).toISOString().slice(0, 10);
}

export interface QuoteInput {
  /** The destination's country. */
  country: string;
  /** The origin warehouse's country; null when its address is not known. */
  originCountry?: string | null;
  weightGrams: number;
  serviceLevel: ServiceLevel;
}

export interface Quote {
  zone: Zone;
  carrier: Carrier;
  costCents: number;
  currency: typeof CURRENCY;
  estimatedDeliveryDate: string;
}

/** Everything the rules decide about a parcel booked at `createdAt`. */
export function quote(input: QuoteInput, createdAt: Date): Quote {
  const zone = zoneOf(input.country, input.originCountry ?? null);
  return {
    zone,
    carrier: carrierFor(zone, input.serviceLevel),
    costCents: costCents(zone, input.serviceLevel, input.weightGrams),
    currency: CURRENCY,
    estimatedDeliveryDate: estimatedDeliveryDate(createdAt, zone, input.serviceLevel),
  };
}

const TRACKING_PREFIX: Record<Carrier, string> = {
  'Parcelink Ground': 'PLG',
  'Parcelink Air': 'PLA',
  GlobePost: 'GLP',
  'SwiftAir Express': 'SWX',
};
const TRACKING_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const TRACKING_RANDOM_LENGTH = 12;

/** The carrier's prefix and 12 random uppercase alphanumerics, e.g. GLP7Q2M9K4X1B8Z. */
export function newTrackingNumber(carrier: Carrier, random: (max: number) => number = randomInt): string {
  let suffix = '';
  for (let i = 0; i < TRACKING_RANDOM_LENGTH; i++) {
    suffix += TRACKING_ALPHABET[random(TRACKING_ALPHABET.length)];
  }
  return TRACKING_PREFIX[carrier] + suffix;
}
