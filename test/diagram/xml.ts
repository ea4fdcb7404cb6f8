// Shared by the diagram tests (not a test file itself): a small well-formedness check of an
// XML document, enough for the SVG the diagram writes (elements, attributes, text, the five
// predefined entities and character references, comments, an XML declaration).

/** One element as read: its name, attributes (decoded) and text content (decoded, children included). */
export interface XmlElement {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  text: string
  readonly children: XmlElement[]
}

const NAME = '[A-Za-z_][\\w.:-]*'
const OPEN = new RegExp(`^<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>$`)
const CLOSE = new RegExp(`^</(${NAME})\\s*>$`)
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g')
const BAD_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/

function decode (text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)))
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' } as Record<string, string>)[entity] as string
  })
}

/** The document's root element; throws, saying where, when the text is not well-formed XML. */
export function parseXml (text: string): XmlElement {
  const tokens = text.match(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<[^<>]*>|[^<]+|</g) ?? []
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  let offset = 0
  const fail = (message: string): never => { throw new Error(`not well-formed XML at ${offset}: ${message}`) }
  for (const token of tokens) {
    if (token.startsWith('<!--') || token.startsWith('<?')) {
      if (token.startsWith('<?') && (offset !== 0 || !token.startsWith('<?xml'))) fail('a processing instruction other than the XML declaration')
    } else if (token.startsWith('</')) {
      const name = CLOSE.exec(token)?.[1] ?? fail(`a malformed closing tag ${token}`)
      const open = stack.pop() ?? fail(`</${name}> closes nothing`)
      if (open.name !== name) fail(`</${name}> closes <${open.name}>`)
    } else if (token.startsWith('<')) {
      const match = OPEN.exec(token) ?? fail(`a malformed tag ${token}`)
      const attributes: Record<string, string> = {}
      for (const attribute of (match[2] ?? '').matchAll(ATTRIBUTE)) {
        const [, name = '', double, single] = attribute
        const value = double ?? single ?? ''
        if (name in attributes) fail(`the attribute ${name} twice`)
        if (BAD_AMPERSAND.test(value)) fail(`a bare & in the attribute ${name}`)
        attributes[name] = decode(value)
      }
      const element: XmlElement = { name: match[1] as string, attributes, text: '', children: [] }
      const parent = stack[stack.length - 1]
      if (parent) parent.children.push(element)
      else if (root) fail('a second root element')
      else root = element
      if (match[3] !== '/') stack.push(element)
    } else {
      if (token === '<') fail('a bare <')
      if (BAD_AMPERSAND.test(token)) fail(`a bare & in ${JSON.stringify(token.slice(0, 40))}`)
      if (stack.length === 0 && token.trim() !== '') fail('text outside the root element')
      for (const open of stack) open.text += decode(token)
    }
    offset += token.length
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]?.name}> is never closed`)
  return root ?? fail('no root element')
}

/** Every element of a tree, depth first. */
export function elements (root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(elements)]
}
