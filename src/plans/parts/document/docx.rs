//! The plan's document as a Word file (`docx-rs`), from the same layout the HTML page renders.
//!
//! Deterministic: the same document gives the same bytes. `docx-rs` writes fixed dates in
//! `docProps/core.xml` and its ZIP entries (the `zip` crate without its `time` feature), and
//! numbers paragraphs from a per-thread counter, so every paragraph here is given its id in
//! order of writing instead: nothing depends on the clock, the thread or earlier requests.

use docx_rs::{
    AlignmentType, Docx, Paragraph, Run, RunFonts, Style, StyleType, Table, TableCell, TableRow,
};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::layout::{Block, Part};

/// The media type of a .docx.
pub const CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Gives paragraphs their ids in writing order (Word wants them unique, below 0x80000000).
struct Ids(u32);

impl Ids {
    fn paragraph(&mut self) -> Paragraph {
        self.0 += 1;
        Paragraph::new().id(format!("{:08X}", self.0))
    }
}

/// The Word file of a document titled `title` with `parts` (the first one starting on the
/// title's page, each later one on a new page).
pub fn write(title: &str, parts: &[Part]) -> Result<Vec<u8>, std::io::Error> {
    let mut ids = Ids(0);
    let mut docx = Docx::new()
        .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
        .default_size(22)
        .add_style(heading_style("Title", "Title", 40))
        .add_style(heading_style("Heading1", "heading 1", 32))
        .add_style(heading_style("Heading2", "heading 2", 26))
        .add_paragraph(
            ids.paragraph()
                .style("Title")
                .add_run(Run::new().add_text(title)),
        );
    for (index, part) in parts.iter().enumerate() {
        docx = docx.add_paragraph(
            ids.paragraph()
                .style("Heading1")
                .page_break_before(index > 0)
                .add_run(Run::new().add_text(&part.heading)),
        );
        for block in &part.blocks {
            docx = add_block(docx, block, &mut ids);
        }
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .map_err(std::io::Error::other)?;
    Ok(bytes.into_inner())
}

fn heading_style(id: &str, name: &str, size: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .size(size)
        .bold()
}

fn add_block(docx: Docx, block: &Block, ids: &mut Ids) -> Docx {
    match block {
        Block::Heading { text } => docx.add_paragraph(
            ids.paragraph()
                .style("Heading2")
                .add_run(Run::new().add_text(text)),
        ),
        Block::Text { markdown, .. } => markdown_paragraphs(markdown, ids)
            .into_iter()
            .fold(docx, Docx::add_paragraph),
        Block::Nothing { text } => {
            docx.add_paragraph(ids.paragraph().add_run(Run::new().add_text(text).italic()))
        }
        Block::Facts { rows } => rows.iter().fold(docx, |docx, (label, value)| {
            docx.add_paragraph(
                ids.paragraph()
                    .add_run(Run::new().add_text(format!("{label}: ")).bold())
                    .add_run(Run::new().add_text(value)),
            )
        }),
        Block::Table {
            caption,
            head,
            numeric,
            rows,
        } => {
            let docx =
                docx.add_paragraph(ids.paragraph().add_run(Run::new().add_text(caption).bold()));
            let cell = |text: &str, column: usize, bold: bool, ids: &mut Ids| {
                let run = Run::new().add_text(text);
                let mut paragraph = ids.paragraph().add_run(if bold { run.bold() } else { run });
                if Block::is_numeric(numeric, &column) {
                    paragraph = paragraph.align(AlignmentType::Right);
                }
                TableCell::new().add_paragraph(paragraph)
            };
            let mut table_rows = vec![TableRow::new(
                head.iter()
                    .enumerate()
                    .map(|(column, text)| cell(text, column, true, ids))
                    .collect(),
            )];
            for row in rows {
                table_rows.push(TableRow::new(
                    row.iter()
                        .enumerate()
                        .map(|(column, text)| cell(text, column, false, ids))
                        .collect(),
                ));
            }
            docx.add_table(Table::new(table_rows))
                .add_paragraph(ids.paragraph())
        }
    }
}

/// Markdown as Word paragraphs: one per paragraph, heading, list item or table row, with bold
/// and italic kept; links keep their text.
fn markdown_paragraphs(markdown: &str, ids: &mut Ids) -> Vec<Paragraph> {
    let mut paragraphs = Vec::new();
    let mut current: Option<Paragraph> = None;
    let (mut bold, mut italic) = (0_u32, 0_u32);
    let mut add_text = |current: &mut Option<Paragraph>, text: &str, bold: bool, italic: bool| {
        let paragraph = current.take().unwrap_or_else(|| ids.paragraph());
        let mut run = Run::new().add_text(text);
        if bold {
            run = run.bold();
        }
        if italic {
            run = run.italic();
        }
        *current = Some(paragraph.add_run(run));
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Item) => add_text(&mut current, "• ", false, false),
            Event::Start(Tag::Strong) => bold += 1,
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::Start(Tag::Heading { .. }) => bold += 1,
            Event::End(TagEnd::Heading(_)) => {
                bold = bold.saturating_sub(1);
                paragraphs.extend(current.take());
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => {
                paragraphs.extend(current.take())
            }
            Event::End(TagEnd::TableCell) => add_text(&mut current, " | ", false, false),
            Event::Text(text) | Event::Code(text) => {
                add_text(&mut current, &text, bold > 0, italic > 0)
            }
            Event::SoftBreak | Event::HardBreak => add_text(&mut current, " ", false, false),
            _ => {}
        }
    }
    paragraphs.extend(current.take());
    paragraphs
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::super::layout::parts;
    use super::super::tests::content;
    use super::*;

    fn document_xml(bytes: &[u8]) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn the_same_document_gives_the_same_bytes_and_holds_the_text() {
        let content = content();
        let first = write("Kent: ITF plan", &parts(&content)).unwrap();
        // Another thread, whose paragraph counter docx-rs has not touched.
        let second = std::thread::spawn(move || write("Kent: ITF plan", &parts(&content)))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(first, second);
        let xml = document_xml(&first);
        for text in ["Care closer to home.", "£1,234,567", "Home first", "R-01"] {
            assert!(xml.contains(text), "{text} in {xml}");
        }
    }

    #[test]
    fn markdown_keeps_its_paragraphs_lists_and_emphasis() {
        let mut ids = Ids(0);
        let paragraphs = markdown_paragraphs("One **bold** line.\n\n- first\n- second", &mut ids);
        assert_eq!(paragraphs.len(), 3);
        assert_eq!(paragraphs[1].raw_text(), "• first");
    }
}
