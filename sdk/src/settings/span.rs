//! Where each value of a JSON text stands, so that diagnostics give line and column.
//!
//! Runs only on text that `serde_json` has already parsed, so it can assume
//! the syntax is valid; anything unexpected just ends the walk early.

use std::collections::HashMap;

/// The line and column (both from 1) of every object member and array item, by JSON path.
pub(super) fn locate(text: &str) -> HashMap<String, (usize, usize)> {
    let mut walker = Walker {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        column: 1,
        found: HashMap::new(),
    };
    walker.found.insert(String::new(), (1, 1));
    walker.skip_ws();
    walker.found.insert(String::new(), walker.here());
    walker.value("");
    walker.found
}

/// A member's path: `parent.key`, or `key` at the root.
pub fn member_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// An array item's path: `parent[index]`.
pub fn item_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

struct Walker<'t> {
    bytes: &'t [u8],
    pos: usize,
    line: usize,
    column: usize,
    found: HashMap<String, (usize, usize)>,
}

impl Walker<'_> {
    fn here(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) {
        if let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn value(&mut self, path: &str) {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(path),
            Some(b'[') => self.array(path),
            Some(b'"') => {
                self.string();
            }
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.bump();
                }
            }
        }
    }

    /// Consumes a string literal and returns its decoded text.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.bump();
        while let Some(b) = self.peek() {
            self.bump();
            match b {
                b'\\' => self.bump(),
                b'"' => break,
                _ => {}
            }
        }
        let raw = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("\"\"");
        serde_json::from_str(raw).unwrap_or_default()
    }

    fn object(&mut self, path: &str) {
        self.bump();
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                self.bump();
                return;
            }
            let at = self.here();
            let key = self.string();
            let member = member_path(path, &key);
            self.found.insert(member.clone(), at);
            self.skip_ws();
            self.bump(); // ':'
            self.value(&member);
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.bump();
            } else {
                self.bump();
                return;
            }
        }
    }

    fn array(&mut self, path: &str) {
        self.bump();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return;
        }
        for index in 0.. {
            self.skip_ws();
            let item = item_path(path, index);
            self.found.insert(item.clone(), self.here());
            self.value(&item);
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.bump();
            } else {
                self.bump();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_members_and_items() {
        let text = "{\n  \"Mode\": \"x\",\n  \"Data\": [\n    {\"A\": 1}\n  ]\n}";
        let found = locate(text);
        assert_eq!(found["Mode"], (2, 3));
        assert_eq!(found["Data"], (3, 3));
        assert_eq!(found["Data[0]"], (4, 5));
        assert_eq!(found["Data[0].A"], (4, 6));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let found = locate("{\"é\": 1, \"B\": 2}");
        assert_eq!(found["B"], (1, 10));
    }
}
