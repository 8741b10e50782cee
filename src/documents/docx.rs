//! A document as DOCX, written by `docx-rs`: A4 with the decree's margins,
//! Times New Roman, the head as a two-row table without borders (issuing
//! body and number on the left; national title, motto and date on the
//! right, so the number and the date share a line), the rules as paragraph
//! borders of the decree's lengths, and the foot as another borderless table
//! ("Nơi nhận" left, the signer right). It opens and stays editable in
//! LibreOffice Writer and Word.

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, LineSpacing, PageMargin, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType,
    Table, TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

use super::{Block, Document, Party};

/// A4 in twips (1/20 pt) and the decree's margins: 20 mm top and bottom,
/// 30 mm left, 15 mm right.
const PAGE: (u32, u32) = (11906, 16838);
const MARGIN: (i32, i32, i32, i32) = (1134, 850, 1134, 1701);
/// The text width between the margins.
const WIDTH: usize = 11906 - 1701 - 850;
/// The head's columns: the issuing body (84 mm: "ỦY BAN MẶT TRẬN TỔ QUỐC
/// VIỆT NAM" is 80,5 mm at 12 pt), and the national title (91 mm: it is
/// 88,3 mm at 12 pt bold). Together 10 mm wider than the text, the head
/// reaches 5 mm into each side margin, as the decree's own samples do.
const HEAD: [usize; 2] = [4762, 5160];
const HEAD_OUTDENT: i32 = 283;
const FONT: &str = "Times New Roman";
/// Sizes in half-points.
const BODY: usize = 26;
const TITLE: usize = 28;
const SMALL: usize = 24;

/// The document as a DOCX file.
pub fn write(doc: &Document) -> Result<Vec<u8>, String> {
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .east_asia(FONT)
        .cs(FONT);
    let mut docx = Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN.0)
                .right(MARGIN.1)
                .bottom(MARGIN.2)
                .left(MARGIN.3)
                .header(720)
                .footer(720),
        )
        .default_fonts(fonts)
        .default_size(BODY)
        .add_table(head(doc))
        .add_paragraph(blank());
    // A dispatch has no kind line: its subject is under its number.
    if !doc.kind.is_empty() {
        docx = docx.add_paragraph(centred(&doc.kind, TITLE, true, false));
        if !doc.subject.is_empty() {
            docx = docx.add_paragraph(centred(&doc.subject, TITLE, true, false));
        }
        docx = docx.add_paragraph(rule(WIDTH / 3, WIDTH));
    }
    docx = docx.add_paragraph(blank());
    match doc.to.as_slice() {
        [] => {}
        [one] => {
            docx = docx.add_paragraph(centred(&format!("Kính gửi: {one}"), TITLE, false, false));
        }
        many => {
            docx = docx.add_paragraph(centred("Kính gửi:", TITLE, false, false));
            for to in many {
                docx = docx.add_paragraph(text(&format!("- {to}"), TITLE, false, false).indent(
                    Some(2268),
                    None,
                    None,
                    None,
                ));
            }
        }
    }
    for block in &doc.body {
        docx = match block {
            Block::Para { text: t } => docx.add_paragraph(body(t)),
            Block::Labelled { label, text: t } => docx.add_paragraph(
                justified()
                    .add_run(run(&format!("{label}: "), BODY, true, false))
                    .add_run(run(t, BODY, false, false)),
            ),
            Block::Heading { text: t } => {
                docx.add_paragraph(justified().add_run(run(t, BODY, true, false)))
            }
            Block::Table(t) => docx.add_table(table(t)).add_paragraph(blank()),
            Block::Signatures { parties } => {
                docx.add_paragraph(blank()).add_table(signatures(parties))
            }
        };
    }
    if doc.signed {
        docx = docx.add_paragraph(blank()).add_table(foot(doc));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// A run of text: its lines kept apart by line breaks (a line feed in a
/// run's text is dropped by the writer), characters XML cannot hold left out.
fn run(t: &str, size: usize, bold: bool, italic: bool) -> Run {
    let clean: String = t
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let mut r = Run::new().size(size);
    for (i, line) in clean.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    if bold {
        r = r.bold();
    }
    if italic {
        r = r.italic();
    }
    r
}

/// Paragraphs set close: 3 pt after, single lines.
fn tight(p: Paragraph) -> Paragraph {
    p.line_spacing(LineSpacing::new().before(0).after(40).line(240))
}

fn text(t: &str, size: usize, bold: bool, italic: bool) -> Paragraph {
    tight(Paragraph::new().add_run(run(t, size, bold, italic)))
}

fn centred(t: &str, size: usize, bold: bool, italic: bool) -> Paragraph {
    text(t, size, bold, italic).align(AlignmentType::Center)
}

fn blank() -> Paragraph {
    tight(Paragraph::new())
}

/// A body paragraph: justified, its first line indented 1 cm, 6 pt after.
fn justified() -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(567)), None, None)
        .line_spacing(LineSpacing::new().before(0).after(120).line(276))
}

fn body(t: &str) -> Paragraph {
    justified().add_run(run(t, BODY, false, false))
}

/// A centred rule `length` twips long in a column `within` twips wide: an
/// empty paragraph's bottom border, indented from both sides.
fn rule(length: usize, within: usize) -> Paragraph {
    let side = within.saturating_sub(length) as i32 / 2;
    let line = ParagraphBorder::new(ParagraphBorderPosition::Bottom)
        .val(BorderType::Single)
        .size(6)
        .space(1);
    Paragraph::new()
        .set_borders(ParagraphBorders::with_empty().set(line))
        .indent(Some(side), None, Some(side), None)
        .line_spacing(LineSpacing::new().before(0).after(0).line(120))
        .size(4)
}

/// A line of 2 pt: room after a rule.
fn spacer() -> Paragraph {
    Paragraph::new()
        .line_spacing(LineSpacing::new().before(0).after(0).line(120))
        .size(4)
}

fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    let mut c = TableCell::new()
        .width(width, WidthType::Dxa)
        .clear_all_border();
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

fn borderless(grid: Vec<usize>, rows: Vec<TableRow>) -> Table {
    Table::without_borders(rows)
        .set_grid(grid)
        .layout(TableLayoutType::Fixed)
        .width(WIDTH, WidthType::Dxa)
        .margins(TableCellMargins::new().margin(0, 0, 0, 0))
}

/// The head: issuing body over its rule and the number on the left; the
/// national title, the motto over its rule and the date line on the right.
fn head(doc: &Document) -> Table {
    let mut number = vec![centred(&doc.number_line(), BODY, false, false)];
    if let Some(subject) = doc.dispatch_subject() {
        number.push(centred(&subject, SMALL, false, false));
    }
    let (above, issuer) = doc.issuer_lines();
    let mut left: Vec<Paragraph> = above
        .iter()
        .map(|l| centred(l, SMALL, false, false))
        .collect();
    left.extend(issuer.iter().map(|l| centred(l, SMALL, true, false)));
    left.push(rule(HEAD[0] / 3, HEAD[0]));
    // LibreOffice draws no bottom border on a cell's last paragraph.
    left.push(spacer());
    let motto = "Độc lập - Tự do - Hạnh phúc";
    let right = vec![
        centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", SMALL, true, false),
        centred(motto, BODY, true, false),
        // As long as the motto at 13 pt bold.
        rule(3500, HEAD[1]),
        spacer(),
    ];
    let second = vec![
        cell(HEAD[0], number),
        cell(HEAD[1], vec![centred(&doc.date_line(), BODY, false, true)]),
    ];
    borderless(
        HEAD.to_vec(),
        vec![
            TableRow::new(vec![cell(HEAD[0], left), cell(HEAD[1], right)]),
            TableRow::new(second),
        ],
    )
    .width(HEAD[0] + HEAD[1], WidthType::Dxa)
    .indent(-HEAD_OUTDENT)
}

/// A signer's block: title lines in bold, room to sign and seal, the name.
fn signer(title: &[String], note: &str, name: &str) -> Vec<Paragraph> {
    let mut ps: Vec<Paragraph> = title
        .iter()
        .map(|l| centred(l, BODY, true, false))
        .collect();
    if !note.is_empty() {
        ps.push(centred(note, BODY, false, true));
    }
    ps.extend((0..4).map(|_| blank()));
    ps.push(centred(name, BODY, true, false));
    ps
}

/// The foot: "Nơi nhận" left, the signer right.
fn foot(doc: &Document) -> Table {
    let mut left = vec![text("Nơi nhận:", SMALL, true, true)];
    left.extend(doc.recipients().iter().map(|r| text(r, 22, false, false)));
    let right = signer(&doc.authority_lines(), "", &doc.head.signer);
    let widths = vec![WIDTH / 2 - 400, WIDTH / 2 + 400];
    borderless(
        widths.clone(),
        vec![TableRow::new(vec![
            cell(widths[0], left),
            cell(widths[1], right),
        ])],
    )
}

fn signatures(parties: &[Party]) -> Table {
    let n = parties.len().max(1);
    let widths = vec![WIDTH / n; n];
    let cells = parties
        .iter()
        .map(|p| cell(WIDTH / n, signer(&p.title, &p.note, &p.name)))
        .collect();
    borderless(widths, vec![TableRow::new(cells)])
}

/// A table with borders: header bold and centred, figures right-aligned,
/// the totals row bold.
fn table(t: &super::Table) -> Table {
    let widths: Vec<usize> = t.widths.iter().map(|w| WIDTH * *w as usize / 100).collect();
    let line = |cells: &[String], bold: bool, header: bool| {
        let cells = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let align = if header {
                    AlignmentType::Center
                } else if t.numeric.contains(&i) {
                    AlignmentType::Right
                } else {
                    AlignmentType::Left
                };
                let p = text(c, SMALL, bold, false).align(align);
                TableCell::new()
                    .width(widths.get(i).copied().unwrap_or(1000), WidthType::Dxa)
                    .add_paragraph(p)
            })
            .collect();
        TableRow::new(cells).cant_split()
    };
    let mut rows = vec![line(&t.header, true, true)];
    rows.extend(t.rows.iter().map(|r| line(r, false, false)));
    if let Some(totals) = &t.totals {
        rows.push(line(totals, true, false));
    }
    Table::new(rows)
        .set_grid(widths)
        .layout(TableLayoutType::Fixed)
        .width(WIDTH, WidthType::Dxa)
        .margins(TableCellMargins::new().margin(40, 80, 40, 80))
}
