//! CSV as RFC 4180 writes it, read by the `csv` crate: the rows of a file with the line each
//! starts on, quoted cells holding commas, doubled quotes and line breaks. Three rules of the
//! RFC the crate relaxes are kept here: a quote only opens a cell or, doubled, stands for itself
//! inside a quoted one (2.5, 2.7); a quoted cell closes before the file ends (2.6); a carriage
//! return outside a quoted cell only ends a line with the line feed after it (2.1; the crate
//! would end a row there, the hand-written reader kept it as text). Blank lines are not rows.

/// A CSV row and the line it starts on.
pub(crate) type Row = (usize, Vec<String>);

/// The rows of a CSV text with the line each starts on. An error names the line.
pub(crate) fn csv_rows(text: &str) -> Result<Vec<Row>, (usize, String)> {
    check_quotes(text)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // Line breaks counted so far, and up to which byte: rows come in order, so each row's line
    // is counted on from the last (counting from the start for every row made a file of
    // 20,000 rows take 20 seconds).
    let (mut counted_to, mut line_breaks) = (0, 0);
    for record in reader.records() {
        let record = record.map_err(|err| {
            let line = err.position().map_or(1, |at| at.line());
            (
                usize::try_from(line).unwrap_or(usize::MAX),
                "the file could not be read as CSV".to_owned(),
            )
        })?;
        // The crate's byte offset, not its line count (which lags behind a quoted line break);
        // the offset is where the crate began reading, before the line breaks it skipped.
        let mut offset = record
            .position()
            .and_then(|at| usize::try_from(at.byte()).ok())
            .unwrap_or(0)
            .min(text.len());
        while matches!(text.as_bytes().get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        let offset = offset.min(text.len()).max(counted_to);
        line_breaks += text.as_bytes()[counted_to..offset]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count();
        counted_to = offset;
        let line = line_breaks + 1;
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if cells.len() == 1 && cells[0].is_empty() {
            continue;
        }
        rows.push((line, cells));
    }
    Ok(rows)
}

/// The RFC's rules where the crate is lenient (it keeps a stray quote as text, ends an unclosed
/// quoted cell at the end of the file, and ends a row at a lone carriage return): the first
/// offending line, if any (for an unclosed cell, the line its row starts on).
fn check_quotes(text: &str) -> Result<(), (usize, String)> {
    let (mut line, mut row_start, mut opened_on) = (1, 1, 1);
    let (mut quoted, mut at_start) = (false, true);
    let mut bytes = text.bytes().peekable();
    while let Some(byte) = bytes.next() {
        if byte == b'\n' {
            line += 1;
            if !quoted {
                row_start = line;
            }
        }
        if quoted {
            if byte == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match byte {
            b'"' if at_start => {
                (quoted, at_start, opened_on) = (true, false, row_start);
            }
            b'"' => return Err((line, "a quote inside an unquoted cell".into())),
            b'\r' if bytes.peek() != Some(&b'\n') => {
                return Err((
                    line,
                    "a carriage return outside a quoted cell that does not end a line".into(),
                ))
            }
            b',' | b'\n' | b'\r' => at_start = true,
            _ => at_start = false,
        }
    }
    if quoted {
        return Err((opened_on, "a quoted cell is not closed".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: usize, cells: &[&str]) -> Row {
        (line, cells.iter().map(|cell| (*cell).to_owned()).collect())
    }

    #[test]
    fn rows_keep_their_lines_and_rfc_4180_quoting() {
        type Case = (&'static str, Result<Vec<Row>, (usize, &'static str)>);
        let cases: Vec<Case> = vec![
            (
                "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n\"two\r\nlines\",z\r\nlast,row",
                Ok(vec![
                    row(1, &["a", "b"]),
                    row(2, &["x, y", "say \"hi\""]),
                    row(4, &["two\r\nlines", "z"]),
                    row(6, &["last", "row"]),
                ]),
            ),
            (
                "a,b\n\n\n1,\"\"\n",
                Ok(vec![row(1, &["a", "b"]), row(4, &["1", ""])]),
            ),
            ("a,b\n1,x\"y\n", Err((2, "a quote inside an unquoted cell"))),
            (
                "a,b\n1,\"open\n2,3\n",
                Err((2, "a quoted cell is not closed")),
            ),
            (
                "a,b\n1,x\ry\n",
                Err((2, "a carriage return outside a quoted cell")),
            ),
            ("", Ok(vec![])),
        ];
        for (text, expected) in cases {
            match (csv_rows(text), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{text:?}"),
                (Err((line, reason)), Err((want_line, want))) => {
                    assert_eq!(line, want_line, "{text:?}");
                    assert!(reason.contains(want), "{text:?}: {reason}");
                }
                (got, want) => panic!("{text:?}: {got:?}, expected {want:?}"),
            }
        }
    }
}
