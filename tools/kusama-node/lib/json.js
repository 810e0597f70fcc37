// JSON with BigInt (money is never a float): bigints are written as {"$n":"123"}.
export const stringify = (value, space) => JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v), space);
export const parse = (text) => JSON.parse(text, (k, v) => (v && typeof v === 'object' && typeof v.$n === 'string' && Object.keys(v).length === 1 ? BigInt(v.$n) : v));
