//! Reading a mission file: UTF-8, RON syntax and schema errors located at their line
//! and column ([`Mission::load`], [`Mission::read`], [`Mission::from_ron_str`]), and
//! [`locate_all`] for problems found later.

use std::path::{Path, PathBuf};

use super::Mission;

/// One problem found in a mission file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Field path, e.g. `orders[3].payload_kg` (empty for syntax errors).
    pub field: String,
    /// 1-based line, when known.
    pub line: usize,
    /// 1-based column, when known.
    pub column: usize,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// Everything wrong with a mission file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MissionError {
    /// The file could not be read.
    #[error("{path}: cannot read mission file: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// The file is not a valid mission: one entry per problem.
    #[error("{}", render_problems(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem, in file order.
        problems: Vec<Problem>,
    },
}

impl MissionError {
    /// The problems, empty for I/O errors.
    pub fn problems(&self) -> &[Problem] {
        match self {
            MissionError::Io { .. } => &[],
            MissionError::Invalid { problems, .. } => problems,
        }
    }
}

/// The file's bytes as text, or an error at the line and column (in characters) of the
/// first byte that is not UTF-8.
fn utf8_text(bytes: Vec<u8>, path: &Path) -> Result<String, MissionError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = &bytes[..e.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let before = std::str::from_utf8(&valid[line_start..]).unwrap_or_default();
        MissionError::Invalid {
            path: path.to_path_buf(),
            problems: vec![Problem {
                field: String::new(),
                line: valid.iter().filter(|b| **b == b'\n').count() + 1,
                column: before.chars().count() + 1,
                message: format!(
                    "byte 0x{:02X} is not UTF-8: a mission file must be UTF-8 text",
                    bytes[valid.len()]
                ),
            }],
        }
    })
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let field = if p.field.is_empty() { String::new() } else { format!(" {}:", p.field) };
        out.push_str(&format!(
            "{}:{}:{}:{} {}",
            path.display(),
            p.line,
            p.column,
            field,
            p.message
        ));
    }
    out
}

impl Mission {
    /// Reads, parses and validates a mission file. The map file itself is opened later
    /// by [`crate::world::World::load`]; here it is only checked to exist.
    pub fn load(path: &Path) -> Result<Mission, MissionError> {
        let (mission, text) = Self::read(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut problems = mission.problems(Some(base));
        if problems.is_empty() {
            return Ok(mission);
        }
        locate_all(&text, &mut problems);
        Err(MissionError::Invalid { path: path.to_path_buf(), problems })
    }

    /// Reads and parses a mission file without validating it, returning the mission
    /// and its text (for [`locate_all`]). Syntax and type errors are located here; the
    /// caller collects [`Mission::problems`] itself, e.g. to report them together with
    /// the problems found against the map.
    pub fn read(path: &Path) -> Result<(Mission, String), MissionError> {
        let bytes = std::fs::read(path)
            .map_err(|e| MissionError::Io { path: path.to_path_buf(), message: e.to_string() })?;
        let text = utf8_text(bytes, path)?;
        let mission = Self::parse(&text, path)?;
        Ok((mission, text))
    }

    /// Parses and validates mission text; `name` is used in error messages. The map
    /// path is not checked.
    pub fn from_ron_str(text: &str, name: &str) -> Result<Mission, MissionError> {
        let path = PathBuf::from(name);
        let mission = Self::parse(text, &path)?;
        let mut problems = mission.problems(None);
        if problems.is_empty() {
            return Ok(mission);
        }
        locate_all(text, &mut problems);
        Err(MissionError::Invalid { path, problems })
    }

    fn parse(text: &str, path: &Path) -> Result<Mission, MissionError> {
        let invalid = |problem: Problem| MissionError::Invalid {
            path: path.to_path_buf(),
            problems: vec![problem],
        };
        let mut de = ron::Deserializer::from_str(text).map_err(|e| {
            invalid(Problem {
                field: String::new(),
                line: e.span.start.line,
                column: e.span.start.col,
                message: e.code.to_string(),
            })
        })?;
        let result: Result<Mission, _> = serde_path_to_error::deserialize(&mut de);
        match result {
            Ok(mut m) => {
                m.resolve_lockers();
                if let Err(code) = de.end() {
                    // The span starts where the top-level value ended, one past its `)`;
                    // it ends at the stray text, after the whitespace ron skipped.
                    let e = de.span_error(code);
                    return Err(invalid(Problem {
                        field: String::new(),
                        line: e.span.end.line,
                        column: e.span.end.col,
                        message: e.code.to_string(),
                    }));
                }
                Ok(m)
            }
            Err(err) => {
                let field = clean_serde_path(&err.path().to_string());
                let inner = err.into_inner();
                // ron reports where its parser stopped: after the value, inside a string,
                // or at the closing `)` of a struct missing a field. For errors about a
                // well-formed value, point at the field (or the struct) instead, as
                // validation problems do; syntax errors keep the parser's position.
                let (line, column) = if is_value_error(&inner) {
                    crate::ron_locate::FieldIndex::build(text).locate(&field)
                } else {
                    let start = de.span_error(inner.clone()).span.start;
                    (start.line, start.col)
                };
                Err(invalid(Problem { field, line, column, message: inner.to_string() }))
            }
        }
    }
}

/// Whether a ron error is about a value that parsed but does not fit the schema (wrong
/// type, unknown field or variant, missing field, custom check), as opposed to a syntax
/// error, whose position only the parser knows.
fn is_value_error(e: &ron::Error) -> bool {
    use ron::Error as E;
    matches!(
        e,
        E::Message(_)
            | E::InvalidValueForType { .. }
            | E::ExpectedDifferentLength { .. }
            | E::NoSuchEnumVariant { .. }
            | E::NoSuchStructField { .. }
            | E::MissingStructField { .. }
            | E::ExpectedDifferentStructName { .. }
            | E::ExpectedFloat
            | E::ExpectedInteger
            | E::IntegerOutOfBounds
            | E::ExpectedBoolean
            | E::ExpectedString
            | E::ExpectedArray
            | E::ExpectedMap
            | E::ExpectedOption
            | E::ExpectedUnit
            | E::ExpectedStructLike
            | E::ExpectedNamedStructLike(_)
    )
}

/// serde_path_to_error prints enum variants and maps in its own way; keep the dotted
/// field path with `[i]` indices that users see in the file.
fn clean_serde_path(p: &str) -> String {
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// Fills in line and column of `problems` (found by [`Mission::problems`] or
/// [`crate::world::World::mission_problems`]) from the mission text, and sorts them.
pub fn locate_all(text: &str, problems: &mut [Problem]) {
    let index = crate::ron_locate::FieldIndex::build(text);
    for p in problems.iter_mut() {
        let (line, col) = index.locate(&p.field);
        p.line = line;
        p.column = col;
    }
    problems.sort_by_key(|p| (p.line, p.column));
}
