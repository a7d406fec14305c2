//! Letters to requesters as PDF: the text the gate renders from its templates
//! (`gate::templates`), laid out with pdf-writer. It depends only on the text: no clock, no
//! random id, no document metadata, so the same letter gives the same bytes.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Page geometry: US Letter, one inch margins, Courier 10 point on 12 point lines.
const PAGE: (f32, f32) = (612.0, 792.0);
const MARGIN: f32 = 72.0;
const LINE: f32 = 12.0;
const COLUMNS: usize = 86;
const LINES_PER_PAGE: usize = 54;

/// The letter `text` as a PDF: Courier (a standard font, not embedded), lines wrapped at
/// word boundaries, pages of [`LINES_PER_PAGE`] lines. Characters outside Latin-1 print as `?`.
/// No creation date, producer or file id: the same text gives the same bytes.
pub fn pdf(text: &str) -> Vec<u8> {
    let lines = wrap(text);
    let pages: Vec<&[String]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let font_name = Name(b"F1");
    let page_ref = |n: usize| Ref::new(4 + 2 * n as i32);
    let content_ref = |n: usize| Ref::new(5 + 2 * n as i32);
    let mut document = Pdf::new();
    document.catalog(catalog).pages(tree);
    document
        .pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(pages.len() as i32);
    document
        .type1_font(font)
        .base_font(Name(b"Courier"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (n, page_lines) in pages.iter().enumerate() {
        let mut page = document.page(page_ref(n));
        page.media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1))
            .parent(tree)
            .contents(content_ref(n));
        page.resources().fonts().pair(font_name, font);
        page.finish();
        let mut content = Content::new();
        content.begin_text();
        content.set_font(font_name, 10.0);
        content.set_leading(LINE);
        content.next_line(MARGIN, PAGE.1 - MARGIN);
        for line in page_lines.iter() {
            content.show(Str(&latin1(line)));
            content.next_line_using_leading();
        }
        content.end_text();
        document.stream(content_ref(n), &content.finish());
    }
    document.finish()
}

/// `text` as lines of at most [`COLUMNS`] characters, broken at spaces where possible.
fn wrap(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > COLUMNS {
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(COLUMNS).collect();
                word = word.chars().skip(COLUMNS).collect();
                out.push(head);
            }
            let needed =
                line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if needed > COLUMNS && !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        out.push(line);
    }
    out
}

/// `line` in WinAnsi (Latin-1 for the printable range); anything else as `?`.
fn latin1(line: &str) -> Vec<u8> {
    line.chars()
        .map(|c| match u32::from(c) {
            code @ (0x20..=0x7e | 0xa0..=0xff) => code as u8,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_pdf_and_long_lines_wrap() {
        let text = format!("Re: request PA-2026-000001\n{}\n", "word ".repeat(60));
        assert_eq!(pdf(&text), pdf(&text));
        assert_ne!(pdf(&text), pdf("other\n"));
        let lines = wrap(&text);
        assert!(lines.iter().all(|line| line.chars().count() <= COLUMNS));
        // The heading, then 60 words at 17 to a line.
        assert_eq!(lines.len(), 5);
        let bytes = pdf(&"line\n".repeat(120));
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(String::from_utf8_lossy(&bytes).contains("/Count 3"));
    }

    /// A reader reads the letter back: poppler's pdftotext (installed by scripts/setup) finds
    /// every word of the text, in order.
    #[test]
    fn a_pdf_reader_reads_the_letter_back() {
        let text = "Department of the Treasury\nRe: your access request PA-2026-000001 (Bank Secrecy Act Reports)\n\nNo record available to you pursuant to the Privacy Act of 1974 has been identified; caf\u{e9} \u{2603}\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("letter.pdf");
        std::fs::write(&path, pdf(&text.repeat(30))).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", path.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext is missing: run scripts/setup (Debian's poppler-utils)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = String::from_utf8(out.stdout).unwrap();
        let words =
            |text: &str| -> Vec<String> { text.split_whitespace().map(str::to_owned).collect() };
        let expected = words(&text.repeat(30).replace('\u{2603}', "?"));
        assert_eq!(words(&read), expected);
        // Thirty letters of four lines (and their blank lines) fill three pages.
        assert_eq!(read.matches('\u{c}').count(), 3, "{read}");
    }
}
