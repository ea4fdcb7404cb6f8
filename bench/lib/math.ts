export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export function round (value: number, digits = 1): number {
  return Number(value.toFixed(digits))
}

/** `items` rotated left by `by`: round r of a comparison starts with a different variant. */
export function rotate<T> (items: readonly T[], by: number): T[] {
  const shift = items.length === 0 ? 0 : by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}
