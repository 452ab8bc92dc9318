/**
 * A minimal XML well-formedness check for the SVG tests (no XML parser in the dependencies):
 * tokenises tags, checks that they nest and close, that attributes are quoted and unique, and
 * that text holds no bare `<` or `&`. Returns the elements in document order.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
}

export function parseXml(text: string): XmlElement[] {
  const elements: XmlElement[] = [];
  const stack: string[] = [];
  let i = 0;
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  let rootClosed = false;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const chunk = body.slice(i, lt < 0 ? body.length : lt);
    if (/&(?!(lt|gt|amp|apos|quot|#\d+);)/.test(chunk)) throw new Error(`bare & in text near ${i}`);
    if (chunk.trim() !== '' && stack.length === 0) throw new Error(`text outside the root element near ${i}`);
    if (lt < 0) break;
    const gt = body.indexOf('>', lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = body.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      if (stack.length === 0) rootClosed = true;
    } else {
      if (rootClosed) throw new Error('second root element');
      const selfClosing = tag.endsWith('/');
      const inner = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z_][\w:.-]*)/.exec(inner);
      if (!m) throw new Error(`bad tag <${tag}>`);
      const attributes: Record<string, string> = {};
      const rest = inner.slice(m[1].length);
      const attrRe = /\s+([A-Za-z_][\w:.-]*)="([^"<]*)"/g;
      let consumed = 0;
      for (let a = attrRe.exec(rest); a; a = attrRe.exec(rest)) {
        if (a.index !== consumed) throw new Error(`bad attribute syntax in <${tag}>`);
        if (a[1] in attributes) throw new Error(`duplicate attribute ${a[1]} in <${m[1]}>`);
        attributes[a[1]] = a[2];
        consumed = a.index + a[0].length;
      }
      if (rest.slice(consumed).trim() !== '') throw new Error(`bad attribute syntax in <${tag}>`);
      elements.push({ name: m[1], attributes });
      if (!selfClosing) stack.push(m[1]);
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (elements.length === 0) throw new Error('no root element');
  return elements;
}
