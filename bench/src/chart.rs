//! The benchmark's chart: ingest throughput and lookup latency against the records stored, at
//! each checkpoint of the run, as a self-contained SVG (two panels, no scripts, no fonts to
//! fetch), with the baselines' rates as lines for comparison.

use std::fmt::Write;

use super::BenchReport;

const WIDTH: f64 = 760.0;
const PANEL: f64 = 250.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 200.0;

/// The chart of `report`.
pub fn svg(report: &BenchReport) -> String {
    let points = &report.checkpoints;
    let max_records = points.iter().map(|p| p.records).max().unwrap_or(1).max(1) as f64;
    let mut rates: Vec<(String, f64)> = vec![];
    if let Some(rate) = report.rocksdb_records_per_s {
        rates.push(("baseline 1: plain RocksDB".into(), rate));
    }
    if let Some((batch, rate)) = report.postgres.as_ref().and_then(|pg| pg.best()) {
        rates.push((format!("baseline 2: PostgreSQL ({batch}/tx)"), rate));
    }
    let max_rate = points
        .iter()
        .map(|p| p.ingest_records_per_s)
        .chain(rates.iter().map(|(_, rate)| *rate))
        .fold(1.0, f64::max)
        * 1.15;
    let max_ms = points
        .iter()
        .map(|p| p.lookup_p99_ms)
        .fold(0.5, f64::max)
        .max(2.2);
    let height = 2.0 * PANEL + 120.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{LEFT}" y="20" font-size="14">recvault-bench: {} records, {} index entries each, durable ingest and lookups by SSN</text>"#,
        report.records, report.index_entries_per_record
    );
    let plot_width = WIDTH - LEFT - RIGHT;
    let x_of = |records: f64| LEFT + records / max_records * plot_width;
    // Panel 1: throughput.
    let top = 40.0;
    axes(&mut out, top, "ingest, records/s", max_rate, max_records);
    let y_rate = |rate: f64| top + PANEL - rate / max_rate * PANEL;
    polyline(
        &mut out,
        points
            .iter()
            .map(|p| (x_of(p.records as f64), y_rate(p.ingest_records_per_s))),
        "#1f77b4",
    );
    legend(&mut out, top + 10.0, "vault (per segment)", "#1f77b4");
    for (index, (label, rate)) in rates.iter().enumerate() {
        let color = ["#2ca02c", "#d62728"][index % 2];
        let y = y_rate(*rate);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{color}" stroke-dasharray="6 4"/>"#,
            LEFT + plot_width
        );
        legend(&mut out, top + 30.0 + 20.0 * index as f64, label, color);
    }
    let target = y_rate(100_000.0);
    if target > top {
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{target:.1}" x2="{:.1}" y2="{target:.1}" stroke="#999" stroke-dasharray="2 3"/>"##,
            LEFT + plot_width
        );
        legend(
            &mut out,
            top + 30.0 + 20.0 * rates.len() as f64,
            "target 100,000/s",
            "#999",
        );
    }
    // Panel 2: lookup latency.
    let top = 40.0 + PANEL + 60.0;
    axes(&mut out, top, "lookup latency, ms", max_ms, max_records);
    let y_ms = |ms: f64| top + PANEL - ms / max_ms * PANEL;
    polyline(
        &mut out,
        points
            .iter()
            .map(|p| (x_of(p.records as f64), y_ms(p.lookup_p50_ms))),
        "#9467bd",
    );
    polyline(
        &mut out,
        points
            .iter()
            .map(|p| (x_of(p.records as f64), y_ms(p.lookup_p99_ms))),
        "#ff7f0e",
    );
    legend(&mut out, top + 10.0, "p50", "#9467bd");
    legend(&mut out, top + 30.0, "p99", "#ff7f0e");
    let limit = y_ms(2.0);
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" y1="{limit:.1}" x2="{:.1}" y2="{limit:.1}" stroke="#999" stroke-dasharray="2 3"/>"##,
        LEFT + plot_width
    );
    legend(&mut out, top + 50.0, "target p99 2 ms", "#999");
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">records stored</text></svg>"#,
        LEFT + plot_width / 2.0,
        top + PANEL + 40.0
    );
    out
}

fn axes(out: &mut String, top: f64, label: &str, max_y: f64, max_records: f64) {
    let plot_width = WIDTH - LEFT - RIGHT;
    let bottom = top + PANEL;
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" stroke="#000"/><line x1="{LEFT}" y1="{bottom}" x2="{:.1}" y2="{bottom}" stroke="#000"/><text x="10" y="{:.1}" transform="rotate(-90 10 {:.1})">{label}</text>"##,
        LEFT + plot_width,
        top + PANEL / 2.0,
        top + PANEL / 2.0
    );
    for tick in 0..=4 {
        let fraction = f64::from(tick) / 4.0;
        let y = bottom - fraction * PANEL;
        let _ = write!(
            out,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{LEFT}" y2="{y:.1}" stroke="#000"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 4.0,
            LEFT - 6.0,
            y + 4.0,
            short(max_y * fraction)
        );
        let x = LEFT + fraction * plot_width;
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{bottom}" x2="{x:.1}" y2="{:.1}" stroke="#000"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 4.0,
            bottom + 18.0,
            short(max_records * fraction)
        );
    }
}

fn polyline(out: &mut String, points: impl Iterator<Item = (f64, f64)>, color: &str) {
    let points: Vec<String> = points.map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = write!(
        out,
        r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
        points.join(" ")
    );
    for point in &points {
        if let Some((x, y)) = point.split_once(',') {
            let _ = write!(out, r#"<circle cx="{x}" cy="{y}" r="3" fill="{color}"/>"#);
        }
    }
}

fn legend(out: &mut String, y: f64, label: &str, color: &str) {
    let x = WIDTH - RIGHT + 12.0;
    let _ = write!(
        out,
        r#"<line x1="{x}" y1="{y}" x2="{:.1}" y2="{y}" stroke="{color}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{label}</text>"#,
        x + 20.0,
        x + 26.0,
        y + 4.0
    );
}

/// A number in few characters: 1.2M, 350k, 0.8.
fn short(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.0}k", value / 1e3)
    } else if value >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
