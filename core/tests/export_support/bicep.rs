//! A Bicep tokenizer and a parser for the subset of Bicep the exporter writes, for tests.
//!
//! No Bicep compiler can be installed here: npm has no official Bicep package (`bicep-node`
//! only wraps a Bicep CLI that it downloads from GitHub at run time, which this machine cannot
//! reach), and the official CLI ships on NuGet, which is not one of the registries we reach.
//! So the tests read Bicep with this: the lexical rules are the language's (Bicep spec
//! `docs/spec/bicep.md` and "Data types in Bicep": single-quoted one-line strings with the
//! escapes `\\ \' \n \r \t \u{x} \$`, `${` interpolation, `'''` multi-line strings, `//` and
//! `/* */` comments, newline-separated object properties and array items), and anything it
//! does not know is an error rather than skipped.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    /// `true`, `false`, `null`.
    Keyword(String),
    /// A complete string literal without interpolation, decoded.
    Str(String),
    /// A `'''…'''` string, verbatim.
    MultiStr(String),
    Int(String),
    Punct(char),
    NewLine,
}

/// Tokens and the text of every comment. Interpolation (`${` not escaped) is an error: the
/// exporter never writes one, so one in its output came from data.
pub fn tokenize(src: &str) -> Result<(Vec<Tok>, Vec<String>), String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '\n' => {
                toks.push(Tok::NewLine);
                i += 1;
            }
            '\r' if chars.get(i + 1) == Some(&'\n') => {
                toks.push(Tok::NewLine);
                i += 2;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                let start = i + 2;
                while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                    i += 1;
                }
                comments.push(chars[start..i].iter().collect());
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let start = i + 2;
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                if i + 1 >= chars.len() {
                    return Err("unterminated /* comment".into());
                }
                comments.push(chars[start..i].iter().collect());
                i += 2;
            }
            '\'' if chars.get(i + 1) == Some(&'\'') && chars.get(i + 2) == Some(&'\'') => {
                i += 3;
                // "followed optionally by a newline", which is not part of the value.
                if chars.get(i) == Some(&'\r') && chars.get(i + 1) == Some(&'\n') {
                    i += 2;
                } else if chars.get(i) == Some(&'\n') {
                    i += 1;
                }
                let start = i;
                while i + 2 < chars.len() && !(chars[i] == '\'' && chars[i + 1] == '\'' && chars[i + 2] == '\'') {
                    i += 1;
                }
                if i + 2 >= chars.len() {
                    return Err("unterminated ''' string".into());
                }
                toks.push(Tok::MultiStr(chars[start..i].iter().collect()));
                i += 3;
            }
            '\'' => {
                i += 1;
                let mut value = String::new();
                loop {
                    let Some(&c) = chars.get(i) else { return Err(format!("unterminated string {value:?}")) };
                    match c {
                        '\'' => {
                            i += 1;
                            break;
                        }
                        '\n' | '\r' => return Err(format!("line break inside the string {value:?}")),
                        '$' if chars.get(i + 1) == Some(&'{') => return Err(format!("interpolation in the string {value:?}")),
                        '\\' => {
                            let e = *chars.get(i + 1).ok_or("string ends in a backslash")?;
                            i += 2;
                            match e {
                                '\\' => value.push('\\'),
                                '\'' => value.push('\''),
                                'n' => value.push('\n'),
                                'r' => value.push('\r'),
                                't' => value.push('\t'),
                                '$' => value.push('$'),
                                'u' => {
                                    if chars.get(i) != Some(&'{') {
                                        return Err("\\u without {".into());
                                    }
                                    let start = i + 1;
                                    let end = (start..chars.len()).find(|&j| chars[j] == '}').ok_or("unterminated \\u{")?;
                                    let hex: String = chars[start..end].iter().collect();
                                    let cp = u32::from_str_radix(&hex, 16).map_err(|e| format!("\\u{{{hex}}}: {e}"))?;
                                    value.push(char::from_u32(cp).ok_or(format!("\\u{{{hex}}} is not a character"))?);
                                    i = end + 1;
                                }
                                other => return Err(format!("unknown escape \\{other}")),
                            }
                        }
                        c => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                toks.push(Tok::Str(value));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                toks.push(if matches!(word.as_str(), "true" | "false" | "null") { Tok::Keyword(word) } else { Tok::Ident(word) });
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                toks.push(Tok::Int(chars[start..i].iter().collect()));
            }
            '{' | '}' | '[' | ']' | '(' | ')' | ':' | '=' | ',' | '.' | '@' | '?' | '!' => {
                toks.push(Tok::Punct(c));
                i += 1;
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok((toks, comments))
}

/// One top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    TargetScope(String),
    /// `resource sym 'type@version' [existing] = { … }`
    Resource { symbol: String, ty: String, existing: bool, body: Map<String, Value> },
    /// `module sym 'path' = { … }`
    Module { symbol: String, path: String, body: Map<String, Value> },
}

/// Parses a file into its declarations. Values: strings, integers, `json('n')`, booleans,
/// null, objects, arrays, a symbol (as `{"$symbol": name}`) and `resourceGroup('s', 'r')`
/// (as `{"$resourceGroup": [s, r]}`), `subscription('s')` (as `{"$subscription": [s]}`).
/// Anything else is an error.
pub fn parse(src: &str) -> Result<(Vec<Decl>, Vec<String>), String> {
    let (toks, comments) = tokenize(src)?;
    let mut p = Parser { toks, i: 0 };
    let mut decls = Vec::new();
    loop {
        p.skip_newlines();
        let Some(tok) = p.next() else { break };
        let decl = match tok {
            Tok::Ident(k) if k == "targetScope" => {
                p.expect(Tok::Punct('='))?;
                Decl::TargetScope(p.string()?)
            }
            Tok::Ident(k) if k == "resource" => {
                let symbol = p.ident()?;
                let ty = p.string()?;
                let existing = if p.peek() == Some(&Tok::Ident("existing".into())) {
                    p.i += 1;
                    true
                } else {
                    false
                };
                p.expect(Tok::Punct('='))?;
                Decl::Resource { symbol, ty, existing, body: p.object()? }
            }
            Tok::Ident(k) if k == "module" => {
                let symbol = p.ident()?;
                let path = p.string()?;
                p.expect(Tok::Punct('='))?;
                Decl::Module { symbol, path, body: p.object()? }
            }
            other => return Err(format!("unexpected {other:?} at top level")),
        };
        decls.push(decl);
        match p.next() {
            None | Some(Tok::NewLine) => {}
            Some(other) => return Err(format!("{other:?} after a declaration on the same line")),
        }
    }
    Ok((decls, comments))
}

struct Parser {
    toks: Vec<Tok>,
    i: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }
    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::NewLine) {
            self.i += 1;
        }
    }
    fn expect(&mut self, want: Tok) -> Result<(), String> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            other => Err(format!("expected {want:?}, found {other:?}")),
        }
    }
    fn ident(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Ident(s)) => Ok(s),
            other => Err(format!("expected an identifier, found {other:?}")),
        }
    }
    fn string(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            other => Err(format!("expected a string, found {other:?}")),
        }
    }
    fn object(&mut self) -> Result<Map<String, Value>, String> {
        self.expect(Tok::Punct('{'))?;
        let mut map = Map::new();
        if self.peek() == Some(&Tok::Punct('}')) {
            self.i += 1;
            return Ok(map);
        }
        self.expect(Tok::NewLine)?;
        loop {
            self.skip_newlines();
            if self.peek() == Some(&Tok::Punct('}')) {
                self.i += 1;
                return Ok(map);
            }
            let key = match self.next() {
                Some(Tok::Ident(s)) | Some(Tok::Str(s)) => s,
                other => return Err(format!("expected a property name, found {other:?}")),
            };
            self.expect(Tok::Punct(':'))?;
            let value = self.value()?;
            if map.insert(key.clone(), value).is_some() {
                return Err(format!("property {key:?} given twice"));
            }
            self.expect(Tok::NewLine)?;
        }
    }
    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Value::String(s)),
            Some(Tok::Int(n)) => Ok(Value::Number(n.parse::<i64>().map_err(|e| format!("{n}: {e}"))?.into())),
            Some(Tok::Keyword(k)) => Ok(match k.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            }),
            Some(Tok::Punct('{')) => {
                self.i -= 1;
                Ok(Value::Object(self.object()?))
            }
            Some(Tok::Punct('[')) => {
                let mut items = Vec::new();
                if self.peek() == Some(&Tok::Punct(']')) {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                self.expect(Tok::NewLine)?;
                loop {
                    self.skip_newlines();
                    if self.peek() == Some(&Tok::Punct(']')) {
                        self.i += 1;
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.expect(Tok::NewLine)?;
                }
            }
            Some(Tok::Ident(f)) if self.peek() == Some(&Tok::Punct('(')) => {
                self.i += 1;
                let mut args = Vec::new();
                loop {
                    args.push(self.string()?);
                    match self.next() {
                        Some(Tok::Punct(',')) => continue,
                        Some(Tok::Punct(')')) => break,
                        other => return Err(format!("expected , or ) in {f}(), found {other:?}")),
                    }
                }
                match (f.as_str(), args.as_slice()) {
                    ("json", [n]) => serde_json::from_str::<serde_json::Number>(n).map(Value::Number).map_err(|e| format!("json({n:?}): {e}")),
                    ("resourceGroup", [_, _]) => Ok(serde_json::json!({ "$resourceGroup": args })),
                    ("subscription", [_]) => Ok(serde_json::json!({ "$subscription": args })),
                    _ => Err(format!("unexpected function call {f}({args:?})")),
                }
            }
            Some(Tok::Ident(s)) => Ok(serde_json::json!({ "$symbol": s })),
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
}

#[test]
fn reads_what_the_language_says() {
    let (toks, comments) = tokenize("var a = 'it\\'s\\n\\u{1F642}\\${x}' // c\n").unwrap();
    assert_eq!(toks[3], Tok::Str("it's\n🙂${x}".into()));
    assert_eq!(comments, vec![" c".to_string()]);
    assert!(tokenize("'a${b}'").is_err());
    assert!(tokenize("'a\nb'").is_err());
    assert!(tokenize("'a\\qb'").is_err());
    assert_eq!(tokenize("'''\nx'y\n'''").unwrap().0, vec![Tok::MultiStr("x'y\n".into())]);
    let (decls, _) = parse("targetScope = 'x'\n\nresource a 'T@1' existing = {\n  name: 'n'\n  'k-1': [\n    1\n    json('2.5')\n  ]\n  p: b\n}\n").unwrap();
    assert_eq!(decls.len(), 2);
    assert!(parse("resource a 'T@1' = {\n  name: 'n'\n  name: 'm'\n}\n").is_err(), "duplicate keys");
    assert!(parse("resource a 'T@1' = {\n  name: 'n'\n}\nvar x = 1\n").is_err(), "only the exporter's declarations");
}
