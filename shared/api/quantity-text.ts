/**
 * Resource quantities as kubectl prints them (resource.Quantity.String()): exact values in their
 * canonical form, so "0.5" reads "500m", "1000m" reads "1" and "1024Ki" reads "1Mi", and sums
 * ("Allocated resources") keep the format of their first term. Arithmetic is done in integer
 * nano-units, as Kubernetes rounds anything finer up to 1n.
 */

/** resource.Format: how a quantity was written, and so how it is printed back. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9. */
  nano: bigint;
  format: QuantityFormat;
}

export const ZERO_QUANTITY: Quantity = { nano: 0n, format: 'DecimalSI' };

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIXES = new Map(Object.entries(DECIMAL_EXPONENTS).map(([suffix, exp]) => [exp, suffix]));

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Ceiling division for a non-negative divisor. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a || a < 0n ? q : q + 1n;
}

export function parseQuantityText(text: string | number): Quantity | undefined {
  const source = typeof text === 'number' ? String(text).replace('e+', 'e') : text;
  const match = QUANTITY_RE.exec(source);
  if (!match) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`);
  let denominator = pow10(fraction.length);
  let format: QuantityFormat;
  if (BINARY.includes(suffix) && suffix !== '') {
    format = 'BinarySI';
    numerator *= 1024n ** BigInt(BINARY.indexOf(suffix)) * pow10(9);
  } else {
    const exponent = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : DECIMAL_EXPONENTS[suffix]!;
    format = /^[eE]/.test(suffix) ? 'DecimalExponent' : 'DecimalSI';
    const shift = exponent + 9;
    if (shift >= 0) numerator *= pow10(shift);
    else denominator *= pow10(-shift);
  }
  const nano = ceilDiv(numerator, denominator);
  return { nano: sign === '-' ? -nano : nano, format };
}

/** The sum, in the format of its first term (Quantity.Add keeps the receiver's format). */
export function addQuantity(sum: Quantity | undefined, term: Quantity): Quantity {
  return sum ? { nano: sum.nano + term.nano, format: sum.format } : term;
}

/** Quantity.MilliValue(): rounded up. */
export function milliValue(q: Quantity): number {
  return Number(ceilDiv(q.nano, pow10(6)));
}

/** Quantity.Value(): rounded up to whole units. */
export function wholeValue(q: Quantity): number {
  return Number(ceilDiv(q.nano, pow10(9)));
}

/** Quantity.String(): the canonical form. */
export function quantityString(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const sign = q.nano < 0n ? '-' : '';
  const abs = q.nano < 0n ? -q.nano : q.nano;
  // Binary only for whole values of at least 1Ki; anything else would lose precision or read oddly.
  if (q.format === 'BinarySI' && abs >= 1024n * pow10(9) && abs % pow10(9) === 0n) {
    let value = abs / pow10(9);
    let power = 0;
    while (power < BINARY.length - 1 && value % 1024n === 0n) {
      value /= 1024n;
      power++;
    }
    return `${sign}${value}${BINARY[power]}`;
  }
  // Decimal: the largest exponent (a multiple of 3, from n to E) that leaves a whole mantissa.
  let exponent = -9;
  while (exponent < 18 && abs % pow10(exponent + 3 + 9) === 0n) exponent += 3;
  const mantissa = abs / pow10(exponent + 9);
  const suffix = q.format === 'DecimalExponent' ? (exponent === 0 ? '' : `e${exponent}`) : DECIMAL_SUFFIXES.get(exponent)!;
  return `${sign}${mantissa}${suffix}`;
}

/** A stored quantity as kubectl prints it; text that is not a quantity is shown as is. */
export function formatQuantity(text: string | number): string {
  const q = parseQuantityText(text);
  return q ? quantityString(q) : String(text);
}
