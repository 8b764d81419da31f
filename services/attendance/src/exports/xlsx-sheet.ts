// A one-sheet .xlsx written as it goes (rows in, zip bytes out), for exports of any size in bounded memory.
//
// fflate does the zip container and the deflating (streamed: each row's XML is compressed as it is
// added); the few XML parts around the sheet are written here. Why not a spreadsheet library: the
// small ones build the whole workbook in memory (write-excel-file: 20,000 rows took 8 s and 144 MB,
// 100,000 ran out of a 128 MB heap), exceljs streams but brings ~190 packages (53 MB) into the image,
// and the zero-dependency ones need Node 22. What is written: inline strings, numbers, and times as
// Excel serial numbers with a date format — the subset of SpreadsheetML (ECMA-376) every spreadsheet
// program reads.
import { strToU8, Zip, ZipDeflate } from 'fflate';

export type XlsxValue = string | number | Date | null | undefined;

export interface XlsxColumn {
  header: string;
  /** Width in characters. */
  width: number;
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`;

const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;

const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`;

// Style 0: default; 1: bold (the header row); 2: a date and time (yyyy-mm-dd hh:mm).
const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`;

/** XML 1.0 holds tab, line feed, carriage return and everything from space on, but U+FFFE and U+FFFF. */
const isXmlCharacter = (code: number) =>
  code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code !== 0xfffe && code !== 0xffff);

/** Text as XML character data: escaped, and without the control characters XML 1.0 cannot hold. */
function xmlText(value: string): string {
  return [...value]
    .filter((char) => isXmlCharacter(char.codePointAt(0) ?? 0))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A sheet name Excel accepts: at most 31 characters, none of : \ / ? * [ ]. */
function sheetName(name: string): string {
  return xmlText(name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31) || 'Sheet1');
}

function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** Excel's serial day number of a wall-clock time given as a Date whose UTC fields are that wall clock. */
const excelSerial = (wallClock: Date) => wallClock.getTime() / 86_400_000 + 25_569;

export class XlsxSheet {
  private readonly zip: Zip;
  private readonly sheet: ZipDeflate;
  private row = 0;

  /** `onData` gets the file's bytes as they are made; `final` is true with the last chunk. */
  constructor(
    name: string,
    private readonly columns: XlsxColumn[],
    onData: (error: Error | null, chunk: Uint8Array, final: boolean) => void,
  ) {
    this.zip = new Zip(onData);
    const fixed: [string, string][] = [
      ['[Content_Types].xml', CONTENT_TYPES],
      ['_rels/.rels', ROOT_RELS],
      [
        'xl/workbook.xml',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${sheetName(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ],
      ['xl/_rels/workbook.xml.rels', WORKBOOK_RELS],
      ['xl/styles.xml', STYLES],
    ];
    for (const [path, text] of fixed) {
      const part = new ZipDeflate(path, { level: 6 });
      this.zip.add(part);
      part.push(strToU8(text), true);
    }
    this.sheet = new ZipDeflate('xl/worksheets/sheet1.xml', { level: 6 });
    this.zip.add(this.sheet);
    const widths = columns
      .map((column, index) => `<col min="${index + 1}" max="${index + 1}" width="${column.width}" customWidth="1"/>`)
      .join('');
    // The header row stays in view while scrolling (a frozen pane below row 1).
    this.push(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
        `<cols>${widths}</cols><sheetData>`,
    );
    this.addRow(
      columns.map((column) => column.header),
      1,
    );
  }

  /** One row of values (a time is a Date whose UTC fields are the wall-clock time to show). */
  addRow(values: XlsxValue[], style = 0): void {
    const number = ++this.row;
    const cells = values
      .map((value, index) => {
        const ref = `${columnLetters(index)}${number}`;
        if (value === null || value === undefined || value === '') return '';
        if (value instanceof Date) return `<c r="${ref}" s="2"><v>${excelSerial(value)}</v></c>`;
        if (typeof value === 'number') return `<c r="${ref}"${style ? ` s="${style}"` : ''}><v>${value}</v></c>`;
        return `<c r="${ref}" t="inlineStr"${style ? ` s="${style}"` : ''}><is><t xml:space="preserve">${xmlText(value)}</t></is></c>`;
      })
      .join('');
    this.push(`<row r="${number}">${cells}</row>`);
  }

  /** Ends the sheet and the file. */
  finish(): void {
    this.sheet.push(
      strToU8(
        '</sheetData><pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>' +
          '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>',
      ),
      true,
    );
    this.zip.end();
  }

  private push(xml: string): void {
    this.sheet.push(strToU8(xml));
  }
}
