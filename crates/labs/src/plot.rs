//! Line charts as SVG: several series, optional log axes, axis labels and a legend.
//!
//! Drawn with plotters' SVG backend (no fonts needed: text is emitted as SVG `<text>` and laid
//! out by the browser). Every lab plot goes through [`Plot::to_svg`], so all reports look alike.

use plotters::coord::combinators::{BindKeyPoints, LogCoord};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// One line chart.
#[derive(Debug, Clone)]
pub struct Plot {
    /// File stem of the SVG in the run folder, e.g. `"time"` (→ `time.svg`).
    pub name: String,
    /// Title drawn above the chart.
    pub title: String,
    /// X-axis label, with units, e.g. `"sequence length T"`.
    pub x_label: String,
    /// Y-axis label, with units, e.g. `"time per call (ms)"`.
    pub y_label: String,
    /// Log-scale x axis (all x must be > 0).
    pub x_log: bool,
    /// Log-scale y axis (all y must be > 0).
    pub y_log: bool,
    /// Where to put x tick labels on a log axis, e.g. the measured lengths; empty: 1-2-5 steps.
    pub x_ticks: Vec<f64>,
    /// The series, drawn in order with a legend entry each.
    pub series: Vec<Series>,
}

/// One named series of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label, e.g. `"naive"`.
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Dashed line without markers: for reference curves such as "∝ T²".
    pub dashed: bool,
}

impl Series {
    /// A solid line with point markers.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self { label: label.into(), points, dashed: false }
    }

    /// A dashed reference line without markers.
    pub fn reference(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self { label: label.into(), points, dashed: true }
    }
}

impl Plot {
    /// An empty chart with linear axes.
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_log: false,
            y_log: false,
            x_ticks: Vec::new(),
            series: Vec::new(),
        }
    }

    /// Both axes on a log scale.
    pub fn log_log(mut self) -> Self {
        self.x_log = true;
        self.y_log = true;
        self
    }

    /// Tick labels at these x values (used on a log x axis).
    pub fn x_ticks(mut self, ticks: Vec<f64>) -> Self {
        self.x_ticks = ticks;
        self
    }

    /// Adds a series.
    pub fn with(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    /// Renders the chart to an SVG document.
    pub fn to_svg(&self) -> Result<String, String> {
        let points = || self.series.iter().flat_map(|s| s.points.iter().copied());
        if points().next().is_none() {
            return Err("no points to draw".into());
        }
        if let Some(p) = points().find(|&(x, y)| !x.is_finite() || !y.is_finite()) {
            return Err(format!("point {p:?} is not finite"));
        }
        if self.x_log && points().any(|(x, _)| x <= 0.0) || self.y_log && points().any(|(_, y)| y <= 0.0) {
            return Err("a log axis needs every value > 0".into());
        }
        let xs = range(points().map(|p| p.0), self.x_log);
        let ys = range(points().map(|p| p.1), self.y_log);

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (760, 460)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            // subtle: plotters labels a log axis only at powers of ten, too few for a range like
            // 128..2048, so a log x axis gets explicit key points.
            let ticks = if self.x_ticks.is_empty() { steps_125(xs.0, xs.1) } else { self.x_ticks.clone() };
            let log_x = || LogCoord::from((xs.0..xs.1).log_scale()).with_key_points(ticks.clone());
            match (self.x_log, self.y_log) {
                (false, false) => self.draw(&root, xs.0..xs.1, ys.0..ys.1),
                (true, false) => self.draw(&root, log_x(), ys.0..ys.1),
                (false, true) => self.draw(&root, xs.0..xs.1, (ys.0..ys.1).log_scale()),
                (true, true) => self.draw(&root, log_x(), (ys.0..ys.1).log_scale()),
            }?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(svg)
    }

    fn draw<X, Y>(&self, root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, x: X, y: Y) -> Result<(), String>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let err = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| short(*v))
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(236, 236, 236))
            .draw()
            .map_err(err)?;
        for (i, s) in self.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let style = color.stroke_width(2);
            if s.dashed {
                let line = DashedLineSeries::new(s.points.iter().copied(), 6, 4, color.stroke_width(1));
                chart
                    .draw_series(line)
                    .map_err(err)?
                    .label(&s.label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(1)));
            } else {
                chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), style))
                    .map_err(err)?
                    .label(&s.label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(err)?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// The axis range covering `values` with a margin: 5% of the span on a linear axis, a factor
/// of 1.25 on a log axis.
fn range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if log {
        (lo / 1.25, hi * 1.25)
    } else {
        let pad = if hi > lo { 0.05 * (hi - lo) } else { lo.abs().max(1.0) * 0.05 };
        (lo - pad, hi + pad)
    }
}

/// 1, 2, 5, 10, 20, 50, … inside `[lo, hi]`: readable ticks for a log axis.
fn steps_125(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        out.extend([1.0, 2.0, 5.0].iter().map(|m| m * decade).filter(|v| (lo..=hi).contains(v)));
        decade *= 10.0;
    }
    out
}

/// A tick label: `1024`, `0.25`, `3.5e-5`, `1.2e9`.
fn short(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        format!("{v:.1e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad() -> Plot {
        let pts: Vec<(f64, f64)> = [128.0, 256.0, 512.0].iter().map(|&t| (t, t * t)).collect();
        Plot::new("time", "Time vs T", "sequence length T", "time (ms)")
            .log_log()
            .with(Series::new("naive", pts.clone()))
            .with(Series::reference("∝ T²", pts))
    }

    #[test]
    fn svg_has_title_axis_labels_and_legend() {
        let svg = quad().to_svg().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..60]);
        for text in ["Time vs T", "sequence length T", "time (ms)", "naive", "∝ T²"] {
            assert!(svg.contains(text), "missing {text:?}");
        }
    }

    #[test]
    fn log_axis_rejects_non_positive_values_and_empty_plots_are_errors() {
        let bad = Plot::new("p", "t", "x", "y").log_log().with(Series::new("s", vec![(1.0, 0.0)]));
        assert!(bad.to_svg().unwrap_err().contains("log axis"));
        assert!(Plot::new("p", "t", "x", "y").to_svg().is_err());
        let nan = Plot::new("p", "t", "x", "y").with(Series::new("s", vec![(1.0, f64::NAN)]));
        assert!(nan.to_svg().unwrap_err().contains("not finite"));
    }

    #[test]
    fn log_ticks_step_one_two_five() {
        assert_eq!(steps_125(100.0, 2600.0), [100.0, 200.0, 500.0, 1000.0, 2000.0]);
        assert_eq!(steps_125(0.3, 3.0), [0.5, 1.0, 2.0]);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(short(1024.0), "1024");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(3.5e-5), "3.5e-5");
        assert_eq!(short(0.0), "0");
    }
}
