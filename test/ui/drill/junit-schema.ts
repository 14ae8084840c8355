import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('../fixtures/junit.xsd', import.meta.url), 'utf8');

/** Validates `xml` against the JUnit schema the tests ship; answers xmllint's error lines (none when valid). */
export async function junitErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: { fileName: 'drill.xml', contents: xml }, schema: { fileName: 'junit.xsd', contents: XSD } });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}
