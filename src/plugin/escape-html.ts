const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }

/**
 * Text made safe for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<b title="x">') // '&lt;b title=&quot;x&quot;&gt;'
 * ```
 */
export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char] as string)
}
