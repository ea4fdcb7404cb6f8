// The checks of values against their column's declared type, run before any SQL is sent
// so that every database refuses the same values with the same message. Pure: no database.
import t from 'tap'
import { c } from '../../src/index.ts'
import { valueCheck } from '../../src/mapping/value-check.ts'
import type { Column } from '../../src/model/column.ts'

function problems (column: Column<unknown, boolean, boolean, boolean>, values: readonly unknown[], use: 'write' | 'compare' = 'write'): Array<string | undefined> {
  const check = valueCheck(column.config)
  return values.map((value) => check?.(value, use))
}

t.test('integer: 32-bit range, integers only', async (t) => {
  t.strictSame(problems(c.integer() as never, [0, -1, 2147483647, -2147483648, '42', 7n]), [undefined, undefined, undefined, undefined, undefined, undefined])
  t.strictSame(problems(c.integer() as never, [2147483648, -2147483649, 1e23, 1e308, 9007199254740993n, '2147483648']),
    Array(6).fill('is out of range for a 32-bit integer'))
  t.strictSame(problems(c.integer() as never, [1.5, Number.NaN, Infinity, 'abc', '1.5']), Array(5).fill('is not an integer'))
})

t.test('bigInteger: 64-bit range; a number beyond 2^53 is not exact', async (t) => {
  t.strictSame(problems(c.bigInteger() as never, [2n ** 63n - 1n, -(2n ** 63n), 2147483648, '9223372036854775807']), [undefined, undefined, undefined, undefined])
  t.strictSame(problems(c.bigInteger() as never, [2n ** 63n, '9223372036854775808', 1e23]), Array(3).fill('is out of range for a 64-bit integer'))
})

t.test('float: finite numbers', async (t) => {
  t.strictSame(problems(c.float() as never, [1e308, -0, 0.1]), [undefined, undefined, undefined])
  t.strictSame(problems(c.float() as never, [Number.NaN, Infinity, -Infinity]), Array(3).fill('is not a finite number'))
})

t.test('numeric(p, s): digits before the point, text that is a number', async (t) => {
  t.strictSame(problems(c.numeric(5, 2) as never, ['999.99', '-999.999', 999, '0001.5', '1e2', '.5']), Array(6).fill(undefined))
  t.strictSame(problems(c.numeric(5, 2) as never, ['1000', 1000, '1e3', 1e23]), Array(4).fill('is out of range for numeric(5, 2)'))
  t.strictSame(problems(c.numeric(5, 2) as never, ['abc', '', '.', '1.2.3']), Array(4).fill('is not a decimal number'))
})

t.test('text: no NUL character; string(n): at most n characters, counted as code points', async (t) => {
  const nul = 'contains a NUL character (\\u0000), which databases cannot store in text'
  t.strictSame(problems(c.text() as never, ['a\u0000b', 'x'.repeat(1_000_000)]), [nul, undefined])
  t.strictSame(problems(c.string(3) as never, ['abc', '😀😀😀', 'abcd', 'a\u0000']), [undefined, undefined, 'is longer than 3 characters', nul])
  t.strictSame(problems(c.string(3) as never, ['abcd', 'a\u0000'], 'compare'), [undefined, nul], 'a comparison has no length limit')
  t.strictSame(problems(c.enumeration(['a', 'b']) as never, ['a\u0000']), [nul])
  const lone = 'contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text'
  t.strictSame(problems(c.text() as never, ['a\ud800b', '\udfff', '😀', '\ud83d\ude00']), [lone, lone, undefined, undefined], 'half a pair is refused, a whole pair is not')
  t.strictSame(problems(c.json() as never, [{ a: ['\ud800'] }, { '\udc00': 1 }]), [lone, lone])
})

t.test('date and dateTime: valid calendar values in years 1 to 9999', async (t) => {
  t.strictSame(problems(c.date() as never, ['2024-02-29', '2023-02-29', '2024-13-01', '24-1-1', '0000-01-01']),
    [undefined, 'is not a valid calendar date', 'is not a valid calendar date', 'is not a date (YYYY-MM-DD)', 'is not a valid calendar date'])
  t.strictSame(problems(c.dateTime() as never, [new Date(0), '2024-01-01T00:00:00Z', new Date(Number.NaN), 'yesterday', new Date('+010000-01-01T00:00:00Z')]),
    [undefined, undefined, 'is not a valid date and time', 'is not a valid date and time', 'is outside the years 1 to 9999'])
})

t.test('uuid, json and arrays', async (t) => {
  t.strictSame(problems(c.uuid() as never, ['123e4567-e89b-12d3-a456-426614174000', 'not-a-uuid']), [undefined, 'is not a UUID'])
  const nul = 'contains a NUL character (\\u0000), which databases cannot store in text'
  t.strictSame(problems(c.json() as never, [{ a: ['x', { b: 'y\u0000' }] }, { 'k\u0000': 1 }, { a: 1 }]), [nul, nul, undefined])
  t.strictSame(problems(c.array(c.string(2)) as never, [['ab', 'cd'], ['ab', 'abc'], ['a\u0000']]),
    [undefined, 'has an element that is longer than 2 characters', `has an element that ${nul}`])
  t.strictSame(problems(c.array(c.integer()) as never, [[1, 2147483648]]), ['has an element that is out of range for a 32-bit integer'])
  t.equal(valueCheck(c.boolean().config), undefined, 'a boolean needs no check')
})
