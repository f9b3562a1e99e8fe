/**
 * Kubernetes resource quantities ("128Mi", "250m", "0.5", "1G", "1e3"), parsed as
 * k8s.io/apimachinery/pkg/api/resource does: a signed decimal number followed by a binary-SI
 * suffix (Ki Mi Gi Ti Pi Ei), a decimal-SI suffix (n u m k M G T P E) or a decimal exponent.
 * Values are rounded up to the smallest unit the caller asks for, as Kubernetes does.
 */
const QUANTITY_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a quantity in base units, or undefined when the string is not a quantity. */
export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  const match = QUANTITY_RE.exec(text.trim());
  if (!match || text.trim() !== text) return undefined;
  const mantissa = Number(match[1]);
  const suffix = match[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTORS[suffix];
  if (factor === undefined) return undefined;
  const value = mantissa * factor;
  return Number.isFinite(value) ? value : undefined;
}

export function isQuantity(text: string | number): boolean {
  return parseQuantity(text) !== undefined;
}

function mustParse(text: string | number): number {
  const value = parseQuantity(text);
  if (value === undefined) throw new RangeError(`invalid quantity ${JSON.stringify(text)}`);
  return value;
}

/** CPU in millicores, rounded up ("250m" -> 250, "0.5" -> 500, "1" -> 1000). */
export function cpuMillicores(text: string | number): number {
  // Round away floating-point dust (0.1 * 1000 = 100.00000000000001) before rounding up.
  return Math.ceil(Number((mustParse(text) * 1000).toFixed(6)));
}

/** Memory (or any byte quantity) in bytes, rounded up ("128Mi" -> 134217728, "1G" -> 1e9). */
export function bytes(text: string | number): number {
  return Math.ceil(Number(mustParse(text).toFixed(6)));
}

/** Human form for tables: bytes as Ki/Mi/Gi when exact, else the raw number. */
export function formatBytes(value: number): string {
  for (const [suffix, factor] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (value >= factor && value % factor === 0) return `${value / factor}${suffix}`;
  }
  return String(value);
}
