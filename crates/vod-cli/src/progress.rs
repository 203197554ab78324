//! How `vod upload` shows its progress on stderr: a bar for a person at a terminal, plain lines
//! for a log file or a CI job.
//!
//! A redrawn bar in a log is hundreds of carriage-return lines of noise, and a line every few
//! seconds at a terminal scrolls the command off the screen; so the choice follows whether stderr
//! is a terminal. Both count what the driver reports: bytes of parts stored, so the figure never
//! goes backwards when a part is resent. Bytes a resumed upload already had are shown as done but
//! left out of the rate, which would otherwise claim an impossible speed.
//!
//! Nothing here writes to stdout (the result goes there alone), and a stderr that cannot be
//! written is ignored: progress is never worth failing an upload for.

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vod::upload::Progress;

use crate::size::human;

/// Time between two plain lines.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The bar on screen, if any, so that log lines can be written above it instead of through it.
static ON_SCREEN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Standard error for log lines: while a bar is on screen, each write hides the bar, writes,
/// and redraws it (the log formatter writes one whole line per call).
#[derive(Debug, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let bar = ON_SCREEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match bar {
            Some(bar) => bar.suspend(|| {
                let mut err = io::stderr().lock();
                // Carriage return and "erase line": indicatif 0.17 leaves a one-line bar drawn
                // when it suspends, and the log line would follow it on the same row.
                err.write_all(b"\r\x1b[2K")?;
                // All of it: a partial write would be erased by the next call's clear.
                err.write_all(buf).map(|()| buf.len())
            }),
            None => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

fn set_on_screen(bar: Option<ProgressBar>) {
    *ON_SCREEN.lock().unwrap_or_else(PoisonError::into_inner) = bar;
}

/// The progress display of one upload.
#[derive(Debug)]
pub enum Reporter {
    /// A redrawn bar (stderr is a terminal).
    Bar(ProgressBar),
    /// A line at the start, every [`LINE_EVERY`] and at the end (stderr is not a terminal).
    Lines {
        /// What the callback last reported.
        state: Arc<Mutex<Lines>>,
        /// Prints the periodic lines; stopped by [`Reporter::finish`].
        ticker: tokio::task::JoinHandle<()>,
    },
}

/// The state behind the plain lines.
#[derive(Debug, Default)]
pub struct Lines {
    /// When the first report came, and the bytes already stored then.
    start: Option<(Instant, u64)>,
    latest: Option<Counts>,
}

/// The figures of a [`Progress`] (which only the library can build), as the lines use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    bytes_done: u64,
    bytes_total: u64,
    parts_done: u32,
    parts_total: u32,
}

impl From<Progress> for Counts {
    fn from(p: Progress) -> Self {
        Self {
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
            parts_done: p.parts_done,
            parts_total: p.parts_total,
        }
    }
}

impl Reporter {
    /// The display that suits stderr. Must be called inside the runtime (the plain lines have a
    /// timer task).
    pub fn for_stderr() -> Self {
        if io::stderr().is_terminal() {
            let bar = bar();
            set_on_screen(Some(bar.clone()));
            Self::Bar(bar)
        } else {
            let state = Arc::new(Mutex::new(Lines::default()));
            let ticking = state.clone();
            let ticker = tokio::spawn(async move {
                let mut every = tokio::time::interval(LINE_EVERY);
                every.tick().await; // The first tick is immediate; the first report prints.
                loop {
                    every.tick().await;
                    let line = lock(&ticking).line(Instant::now());
                    if let Some(line) = line {
                        eprint_line(&line);
                    }
                }
            });
            Self::Lines { state, ticker }
        }
    }

    /// The callback to hand to the uploader.
    pub fn callback(&self) -> impl Fn(Progress) + Send + Sync + 'static {
        let target = match self {
            Self::Bar(bar) => Ok(bar.clone()),
            Self::Lines { state, .. } => Err(state.clone()),
        };
        move |p: Progress| match &target {
            Ok(bar) => {
                let first = bar.length().is_none();
                bar.set_length(p.bytes_total);
                bar.set_position(p.bytes_done);
                if first {
                    // Bytes a resumed upload already had are not this run's speed.
                    bar.reset_eta();
                }
            }
            Err(state) => {
                let mut lines = lock(state);
                let first = lines.start.is_none();
                let now = Instant::now();
                lines.start.get_or_insert((now, p.bytes_done));
                lines.latest = Some(p.into());
                if first || p.bytes_done == p.bytes_total {
                    if let Some(line) = lines.line(now) {
                        drop(lines);
                        eprint_line(&line);
                    }
                }
            }
        }
    }

    /// Ends the display. After success the bar is cleared (the result follows on stdout); after
    /// a failure it stays, showing how far the upload got. The lines stop.
    pub fn finish(self, success: bool) {
        set_on_screen(None);
        match self {
            Self::Bar(bar) if success => bar.finish_and_clear(),
            Self::Bar(bar) => bar.abandon(),
            Self::Lines { ticker, .. } => ticker.abort(),
        }
    }
}

fn bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let template = "{spinner} [{elapsed_precise}] [{wide_bar}] {binary_bytes}/{binary_total_bytes} \
                    {binary_bytes_per_sec} ETA {eta}";
    // The template is a constant: an error here is a bug, and the plain default bar still works.
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

impl Lines {
    /// The line for the latest report, or `None` before the first.
    fn line(&self, now: Instant) -> Option<String> {
        let p = self.latest?;
        let (started, base) = self.start?;
        // An empty file is all done.
        let percent = p
            .bytes_done
            .saturating_mul(100)
            .checked_div(p.bytes_total)
            .unwrap_or(100);
        let mut line = format!(
            "uploaded {} of {} ({percent}%), {} of {} parts",
            human(p.bytes_done),
            human(p.bytes_total),
            p.parts_done,
            p.parts_total
        );
        let secs = now.duration_since(started).as_secs_f64();
        let sent = p.bytes_done.saturating_sub(base);
        if sent > 0 && secs > 0.0 {
            let rate = sent as f64 / secs;
            line.push_str(&format!(", {}/s", human(rate as u64)));
            let left = p.bytes_total.saturating_sub(p.bytes_done);
            if left > 0 {
                let eta = (left as f64 / rate).ceil() as u64;
                line.push_str(&format!(", about {eta} s left"));
            }
        }
        Some(line)
    }
}

fn lock(state: &Mutex<Lines>) -> std::sync::MutexGuard<'_, Lines> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn eprint_line(line: &str) {
    let _ = writeln!(io::stderr(), "vod upload: {line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(bytes_done: u64, bytes_total: u64, parts_done: u32, parts_total: u32) -> Counts {
        Counts {
            bytes_done,
            bytes_total,
            parts_done,
            parts_total,
        }
    }

    #[test]
    fn a_line_has_bytes_parts_rate_and_time_left() {
        let t0 = Instant::now();
        let lines = Lines {
            start: Some((t0, 4 << 20)),
            latest: Some(progress(12 << 20, 20 << 20, 3, 5)),
        };
        // 8 MiB sent in 4 s: 2 MiB/s, 8 MiB left.
        let line = lines.line(t0 + Duration::from_secs(4)).unwrap();
        assert_eq!(
            line,
            "uploaded 12.0 MiB of 20.0 MiB (60%), 3 of 5 parts, 2.0 MiB/s, about 4 s left"
        );
        let done = Lines {
            latest: Some(progress(20 << 20, 20 << 20, 5, 5)),
            ..lines
        };
        assert_eq!(
            done.line(t0 + Duration::from_secs(8)).unwrap(),
            "uploaded 20.0 MiB of 20.0 MiB (100%), 5 of 5 parts, 2.0 MiB/s"
        );
    }

    #[test]
    fn no_rate_before_any_byte_of_this_run() {
        let t0 = Instant::now();
        let lines = Lines {
            start: Some((t0, 4 << 20)),
            latest: Some(progress(4 << 20, 8 << 20, 1, 2)),
        };
        assert_eq!(
            lines.line(t0).unwrap(),
            "uploaded 4.0 MiB of 8.0 MiB (50%), 1 of 2 parts"
        );
        assert_eq!(Lines::default().line(t0), None);
        let empty = Lines {
            start: Some((t0, 0)),
            latest: Some(progress(0, 0, 1, 1)),
        };
        assert!(empty.line(t0).unwrap().contains("(100%)"));
    }
}
