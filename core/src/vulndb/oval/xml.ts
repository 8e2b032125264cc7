import { XMLParser, XMLValidator } from "fast-xml-parser";
import { UserError } from "../../errors.js";
import { readFeedText } from "../enrich/feed-file.js";

/**
 * An element as fast-xml-parser gives it with the options below: attributes under `@_name`,
 * text under `#text`, every child element in an array (so one child and many read alike).
 * Namespace prefixes are dropped: `linux-def:rpminfo_test` is `rpminfo_test`.
 */
export interface XmlElement {
  [key: string]: XmlElement[] | string | undefined;
}

const ATTRIBUTE = "@_";
const TEXT = "#text";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE,
  textNodeName: TEXT,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Versions such as `1.10` must stay text, never become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
});

/**
 * Reads an XML feed into elements, refusing what a pure-JS parser should never be given: a
 * file over `cap`, any DOCTYPE or entity declaration (billion laughs, external entities: no
 * OVAL feed needs one), and a document that is not well-formed (a truncated download).
 */
export async function readXmlFeed(path: string, what: string, cap: number): Promise<{ name: string; root: XmlElement }> {
  const text = await readFeedText(path, what, cap);
  if (text.trim() === "") throw new UserError(`${what} ${path} is empty.`, "Download the feed again.");
  if (/<!(DOCTYPE|ENTITY)/i.test(text)) {
    throw new UserError(
      `${what} ${path} declares a DOCTYPE or entities, which this reader refuses: they can expand without bound and no genuine feed has them.`,
      "Use the feed as its publisher serves it.",
    );
  }
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw new UserError(
      `${what} ${path} is not well-formed XML at line ${line}, column ${col}: ${msg} It may be truncated.`,
      "Download the feed again.",
    );
  }
  return rootOf(path, what, parser.parse(text) as XmlElement);
}

/** The one root element (the validator admits several top-level elements). */
function rootOf(path: string, what: string, document: XmlElement): { name: string; root: XmlElement } {
  const roots = childNames(document).flatMap((name) => elements(document, name).map((root) => ({ name, root })));
  const [only] = roots;
  if (roots.length !== 1 || !only) {
    throw new UserError(`${what} ${path} has ${roots.length} root elements, not one.`, "Download the feed again.");
  }
  return only;
}

/** The child elements called `name`; a text-only child is given as an element with that text. */
export function elements(element: XmlElement, name: string): XmlElement[] {
  const children = element[name];
  if (!Array.isArray(children)) return [];
  return children.map((child) => (typeof child === "string" ? { [TEXT]: child } : child));
}

/** The names of the element's child elements (not its attributes or text). */
export function childNames(element: XmlElement): string[] {
  return Object.keys(element).filter((key) => key !== TEXT && !key.startsWith(ATTRIBUTE));
}

export function attribute(element: XmlElement, name: string): string | undefined {
  const value = element[`${ATTRIBUTE}${name}`];
  return typeof value === "string" ? value : undefined;
}

export function textOf(element: XmlElement): string | undefined {
  const value = element[TEXT];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The text of the first child called `name`. */
export function childText(element: XmlElement, name: string): string | undefined {
  const [first] = elements(element, name);
  return first && textOf(first);
}
