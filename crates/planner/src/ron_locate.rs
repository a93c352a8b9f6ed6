//! Finds where a field path such as `orders[3].payload_kg` sits in RON text, so that
//! validation errors (found after parsing, when serde's spans are gone) can name a line
//! and column.
//!
//! ron offers no span-preserving value tree, so this is a small tokenizer that tracks
//! the struct/list nesting and records where each field key and list element starts.

use std::collections::HashMap;

enum Frame {
    /// `(` ... `)`: a struct, tuple or enum payload; `key` is the field being read.
    Paren { key: Option<String> },
    /// `[` ... `]` or `{` ... `}`: the element index being read.
    List { index: usize, started: bool },
}

/// Field path -> 1-based (line, column) of where that field or element starts.
pub(crate) struct FieldIndex {
    positions: HashMap<String, (usize, usize)>,
}

impl FieldIndex {
    pub(crate) fn build(text: &str) -> FieldIndex {
        let chars: Vec<char> = text.chars().collect();
        let mut positions = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
        let advance = |i: &mut usize, line: &mut usize, col: &mut usize, chars: &[char]| {
            if chars[*i] == '\n' {
                *line += 1;
                *col = 1;
            } else {
                *col += 1;
            }
            *i += 1;
        };
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                advance(&mut i, &mut line, &mut col, &chars);
                continue;
            }
            if c == '/' && chars.get(i + 1) == Some(&'/') {
                while i < chars.len() && chars[i] != '\n' {
                    advance(&mut i, &mut line, &mut col, &chars);
                }
                continue;
            }
            if c == '/' && chars.get(i + 1) == Some(&'*') {
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    advance(&mut i, &mut line, &mut col, &chars);
                }
                for _ in 0..2 {
                    if i < chars.len() {
                        advance(&mut i, &mut line, &mut col, &chars);
                    }
                }
                continue;
            }
            // A value token starts here: the current list element begins at it.
            if !matches!(c, ')' | ']' | '}' | ',' | ':') {
                // The top-level value (after any leading comments) is the root, ``.
                if stack.is_empty() {
                    positions.entry(String::new()).or_insert((line, col));
                }
                if let Some(Frame::List { started, .. }) = stack.last_mut() {
                    if !*started {
                        *started = true;
                        positions.entry(path_of(&stack)).or_insert((line, col));
                    }
                }
            }
            match c {
                '(' => stack.push(Frame::Paren { key: None }),
                '[' | '{' => stack.push(Frame::List { index: 0, started: false }),
                ')' | ']' | '}' => {
                    stack.pop();
                }
                ',' => match stack.last_mut() {
                    Some(Frame::List { index, started }) => {
                        *index += 1;
                        *started = false;
                    }
                    Some(Frame::Paren { key }) => *key = None,
                    None => {}
                },
                '"' => {
                    advance(&mut i, &mut line, &mut col, &chars);
                    while i < chars.len() && chars[i] != '"' {
                        if chars[i] == '\\' {
                            advance(&mut i, &mut line, &mut col, &chars);
                        }
                        if i < chars.len() {
                            advance(&mut i, &mut line, &mut col, &chars);
                        }
                    }
                }
                c if c.is_alphabetic() || c == '_' => {
                    let (start_line, start_col) = (line, col);
                    let mut ident = String::new();
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        ident.push(chars[i]);
                        advance(&mut i, &mut line, &mut col, &chars);
                    }
                    let mut j = i;
                    while j < chars.len() && chars[j].is_whitespace() {
                        j += 1;
                    }
                    let is_key = chars.get(j) == Some(&':');
                    if is_key {
                        if let Some(Frame::Paren { key }) = stack.last_mut() {
                            *key = Some(ident);
                            positions.entry(path_of(&stack)).or_insert((start_line, start_col));
                        }
                    }
                    continue;
                }
                _ => {}
            }
            if i < chars.len() {
                advance(&mut i, &mut line, &mut col, &chars);
            }
        }
        FieldIndex { positions }
    }

    /// Position of `path`, or of its longest recorded prefix (a defaulted field is
    /// reported at its parent), or of the top-level value (a field of a defaulted
    /// top-level section such as `policy`), or (1, 1).
    pub(crate) fn locate(&self, path: &str) -> (usize, usize) {
        let mut p = path.to_string();
        loop {
            if let Some(&pos) = self.positions.get(&p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(cut) => p.truncate(cut),
                None if !p.is_empty() => p.clear(),
                None => return (1, 1),
            }
        }
    }
}

fn path_of(stack: &[Frame]) -> String {
    let mut out = String::new();
    for f in stack {
        match f {
            Frame::Paren { key: Some(k) } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Frame::Paren { key: None } => {}
            Frame::List { index, .. } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields_and_list_elements() {
        let text = "Mission(\n  name: \"x\",\n  orders: [\n    (id: \"a\", payload_kg: 1.0),\n    (id: \"b\",\n     payload_kg: -2.0),\n  ],\n)";
        let idx = FieldIndex::build(text);
        assert_eq!(idx.locate("name"), (2, 3));
        assert_eq!(idx.locate("orders[0].payload_kg"), (4, 15));
        assert_eq!(idx.locate("orders[1]"), (5, 5));
        assert_eq!(idx.locate("orders[1].payload_kg"), (6, 6));
        // A defaulted field falls back to its element.
        assert_eq!(idx.locate("orders[1].volume_l"), (5, 5));
        // A field of an absent section falls back to the top-level value.
        assert_eq!(idx.locate("policy.pick_load_s"), (1, 1));
    }

    #[test]
    fn root_is_the_top_level_value_after_comments() {
        let text = "// header\n/* block */\n  Mission(\n  name: \"x\",\n)";
        let idx = FieldIndex::build(text);
        assert_eq!(idx.locate(""), (3, 3));
        assert_eq!(idx.locate("policy.cruise_alt_min_m"), (3, 3));
        assert_eq!(idx.locate("name"), (4, 3));
    }
}
