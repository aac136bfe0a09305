//! Azure role-assignment conditions (`conditionVersion` 2.0) as Container Registry uses them
//! for repository permissions: the documented grammar parsed into a tree, and for one data
//! action the set of repositories the condition lets through, in words. Not here: which roles
//! grant which actions (`rbac`), what a verdict means for an access path (`access`).
//!
//! Grammar and operators: "Azure role assignment condition format and syntax",
//! https://learn.microsoft.com/azure/role-based-access-control/conditions-format — function
//! operators `ActionMatches`, `SubOperationMatches`, `Exists`; logical `AND`/`&&`, `OR`/`||`,
//! `NOT`/`!`; the Boolean, String, Numeric, DateTime and GUID comparison operators and the four
//! cross-product quantifiers exactly as its tables list them; parentheses, because "If you
//! have three or more expressions for a targeted action with different operators between the
//! expressions, the evaluation order is ambiguous" ("You must add parentheses"), so `a AND b
//! OR c` is refused rather than given a guessed precedence.
//!
//! Evaluation: "If a user tries to perform an action in the role assignment that is not
//! `<action>`, `!(ActionMatches)` evaluates to true and the overall condition evaluates to true
//! to allow the action to be performed." So `ActionMatches` is decided per action, and what is
//! left is a constraint on the one attribute Container Registry documents,
//! `@Request[Microsoft.ContainerRegistry/registries/repositories:name]`
//! (https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
//! That constraint is decided exactly — always true, never true, or true for some names —
//! by walking the product of the comparisons' automata, within fixed bounds. Anything else
//! (other attributes, `SubOperationMatches`, non-string operators on the name) is
//! "undecided", never guessed.
//!
//! Hostile input: the text is bounded ([`MAX_LEN`]), nesting is bounded ([`MAX_DEPTH`]), no
//! matching backtracks exponentially, and nothing panics; errors carry the position.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;

/// Longest condition text read (bytes). Longer text is refused, not truncated.
pub const MAX_LEN: usize = 64 * 1024;
/// Deepest nesting of parentheses and negations.
pub const MAX_DEPTH: usize = 64;
/// The one attribute Container Registry documents for repository permissions.
pub const REPOSITORY_NAME: &str = "Microsoft.ContainerRegistry/registries/repositories:name";

/// Why a condition text could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at character {column}")]
pub struct ParseError {
    /// Byte offset into the text.
    pub offset: usize,
    /// 1-based character position, for people.
    pub column: usize,
    pub message: String,
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `ActionMatches{'pattern'}`.
    ActionMatches(String),
    /// `SubOperationMatches{'pattern'}`.
    SubOperationMatches(String),
    /// `Exists @Source[name]`.
    Exists(Attribute),
    Compare { left: Operand, operator: Operator, right: Operand },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub source: Source,
    pub name: String,
}

/// The attribute sources the format documents (`@Environment`, `@Principal`, `@Request`,
/// `@Resource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Environment,
    Principal,
    Request,
    Resource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Attribute(Attribute),
    Value(Literal),
    Set(Vec<Literal>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    String(String),
    /// Kept as written: only integers are documented, and nothing here compares numbers.
    Number(String),
    Bool(bool),
}

/// A comparison operator, e.g. `ForAnyOfAnyValues:StringEqualsIgnoreCase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub quantifier: Option<Quantifier>,
    /// The function's documented name, e.g. `StringStartsWithIgnoreCase`.
    pub function: &'static str,
    pub test: Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    ForAnyOfAnyValues,
    ForAllOfAnyValues,
    ForAnyOfAllValues,
    ForAllOfAllValues,
}

/// What a comparison function does, as far as evaluation needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// `String…` operators.
    String { kind: Match, negated: bool, ignore_case: bool },
    /// Boolean, numeric, date/time and GUID operators: parsed, never evaluated here.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Equals,
    StartsWith,
    /// `*` any run, `?` one character, `\*` and `\?` themselves.
    Like,
}

const fn s(kind: Match, negated: bool, ignore_case: bool) -> Test {
    Test::String { kind, negated, ignore_case }
}

/// Every comparison function the format lists, and whether its cross-product tables list it
/// (they list no `StringStartsWith` variant, no DateTime and no Bool operator).
const FUNCTIONS: &[(&str, Test, bool)] = &[
    ("BoolEquals", Test::Other, false),
    ("BoolNotEquals", Test::Other, false),
    ("StringEquals", s(Match::Equals, false, false), true),
    ("StringEqualsIgnoreCase", s(Match::Equals, false, true), true),
    ("StringNotEquals", s(Match::Equals, true, false), true),
    ("StringNotEqualsIgnoreCase", s(Match::Equals, true, true), true),
    ("StringStartsWith", s(Match::StartsWith, false, false), false),
    ("StringStartsWithIgnoreCase", s(Match::StartsWith, false, true), false),
    ("StringNotStartsWith", s(Match::StartsWith, true, false), false),
    ("StringNotStartsWithIgnoreCase", s(Match::StartsWith, true, true), false),
    ("StringLike", s(Match::Like, false, false), true),
    ("StringLikeIgnoreCase", s(Match::Like, false, true), true),
    ("StringNotLike", s(Match::Like, true, false), true),
    ("StringNotLikeIgnoreCase", s(Match::Like, true, true), true),
    ("NumericEquals", Test::Other, true),
    ("NumericNotEquals", Test::Other, true),
    ("NumericGreaterThan", Test::Other, true),
    ("NumericGreaterThanEquals", Test::Other, true),
    ("NumericLessThan", Test::Other, true),
    ("NumericLessThanEquals", Test::Other, true),
    ("DateTimeEquals", Test::Other, false),
    ("DateTimeNotEquals", Test::Other, false),
    ("DateTimeGreaterThan", Test::Other, false),
    ("DateTimeGreaterThanEquals", Test::Other, false),
    ("DateTimeLessThan", Test::Other, false),
    ("DateTimeLessThanEquals", Test::Other, false),
    ("GuidEquals", Test::Other, true),
    ("GuidNotEquals", Test::Other, true),
];

const QUANTIFIERS: &[(&str, Quantifier)] = &[
    ("ForAnyOfAnyValues", Quantifier::ForAnyOfAnyValues),
    ("ForAllOfAnyValues", Quantifier::ForAllOfAnyValues),
    ("ForAnyOfAllValues", Quantifier::ForAnyOfAllValues),
    ("ForAllOfAllValues", Quantifier::ForAllOfAllValues),
];

/// Reads a condition. Never panics; refuses text longer than [`MAX_LEN`] or nested deeper
/// than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Condition, ParseError> {
    if text.len() > MAX_LEN {
        return Err(error_at(text, 0, format!("the condition is {} bytes long, more than the {MAX_LEN} pullpath reads", text.len())));
    }
    let tokens = lex(text)?;
    let mut p = Parser { text, tokens, pos: 0, depth: 0 };
    let expr = p.expr()?;
    match p.peek() {
        None => Ok(Condition { expr }),
        Some(t) => Err(p.error(t.at, format!("unexpected {} after the end of the condition", t.tok.describe()))),
    }
}

fn error_at(text: &str, offset: usize, message: String) -> ParseError {
    let offset = offset.min(text.len());
    // `offset` always comes from char_indices, so it is a boundary; `get` keeps it panic-free.
    let column = text.get(..offset).map_or(0, |t| t.chars().count()) + 1;
    ParseError { offset, column, message }
}

/// At most this many characters of attacker-controlled text go into a message.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().nth(60).is_some() {
        out.push('…');
    }
    format!("{out:?}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Not,
    And,
    Or,
    Str(String),
    Num(String),
    Word(String),
    Attr(Source, String),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::Comma => "','".into(),
            Tok::Not => "negation".into(),
            Tok::And => "AND".into(),
            Tok::Or => "OR".into(),
            Tok::Str(s) => format!("string {}", shown(s)),
            Tok::Num(n) => format!("number {}", shown(n)),
            Tok::Word(w) => format!("word {}", shown(w)),
            Tok::Attr(..) => "attribute".into(),
        }
    }
}

struct Token {
    tok: Tok,
    at: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((at, c)) = it.next() {
        let tok = match c {
            c if c.is_whitespace() => continue,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            ',' => Tok::Comma,
            '!' => Tok::Not,
            '&' | '|' => {
                if it.peek().map(|&(_, d)| d) != Some(c) {
                    return Err(error_at(text, at, format!("expected {c}{c}")));
                }
                it.next();
                if c == '&' {
                    Tok::And
                } else {
                    Tok::Or
                }
            }
            '\'' => {
                // The format documents no escape for a quote inside a string; `\*` and `\?`
                // stay as written for the Like operators to read.
                let mut value = String::new();
                loop {
                    match it.next() {
                        Some((_, '\'')) => break,
                        Some((_, d)) => value.push(d),
                        None => return Err(error_at(text, at, "unterminated string: no closing '".into())),
                    }
                }
                Tok::Str(value)
            }
            '@' => {
                let mut source = String::new();
                while let Some(&(_, d)) = it.peek() {
                    if !d.is_ascii_alphabetic() {
                        break;
                    }
                    source.push(d);
                    it.next();
                }
                let source = match source.as_str() {
                    "Environment" => Source::Environment,
                    "Principal" => Source::Principal,
                    "Request" => Source::Request,
                    "Resource" => Source::Resource,
                    _ => return Err(error_at(text, at, format!("unknown attribute source @{}: the format has @Environment, @Principal, @Request and @Resource", shown(&source)))),
                };
                if it.next().map(|(_, d)| d) != Some('[') {
                    return Err(error_at(text, at, "expected '[' after the attribute source".into()));
                }
                let mut name = String::new();
                loop {
                    match it.next() {
                        Some((_, ']')) => break,
                        Some((_, d)) => name.push(d),
                        None => return Err(error_at(text, at, "unterminated attribute: no closing ']'".into())),
                    }
                }
                Tok::Attr(source, name)
            }
            c if c.is_ascii_digit() || (c == '-' && it.peek().is_some_and(|&(_, d)| d.is_ascii_digit())) => {
                let mut n = String::from(c);
                while let Some(&(_, d)) = it.peek() {
                    if !(d.is_ascii_digit() || d == '.') {
                        break;
                    }
                    n.push(d);
                    it.next();
                }
                Tok::Num(n)
            }
            c if c.is_ascii_alphabetic() => {
                let mut w = String::from(c);
                while let Some(&(_, d)) = it.peek() {
                    if !(d.is_ascii_alphanumeric() || d == ':' || d == '_') {
                        break;
                    }
                    w.push(d);
                    it.next();
                }
                match w.as_str() {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Word(w),
                }
            }
            other => return Err(error_at(text, at, format!("unexpected character {other:?}"))),
        };
        out.push(Token { tok, at });
    }
    Ok(out)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn end(&self) -> usize {
        self.text.len()
    }

    fn error(&self, at: usize, message: String) -> ParseError {
        error_at(self.text, at, message)
    }

    fn next(&mut self, what: &str) -> Result<Token, ParseError> {
        match self.tokens.get_mut(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(Token { tok: std::mem::replace(&mut t.tok, Tok::Comma), at: t.at })
            }
            None => Err(error_at(self.text, self.text.len(), format!("the condition ends where {what} was expected"))),
        }
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<usize, ParseError> {
        let t = self.next(what)?;
        if t.tok == want {
            Ok(t.at)
        } else {
            Err(self.error(t.at, format!("expected {what}, found {}", t.tok.describe())))
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(at, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    /// A run of operands joined by one kind of logical operator.
    fn expr(&mut self) -> Result<Expr, ParseError> {
        let at = self.peek().map_or(self.end(), |t| t.at);
        self.enter(at)?;
        let mut items = vec![self.unary()?];
        let mut joiner: Option<Tok> = None;
        while let Some(t) = self.peek() {
            if t.tok != Tok::And && t.tok != Tok::Or {
                break;
            }
            let (tok, at) = (t.tok.clone(), t.at);
            match &joiner {
                Some(j) if *j != tok => {
                    return Err(self.error(at, "AND and OR mixed without parentheses: the condition format requires parentheses to set their order".into()));
                }
                _ => joiner = Some(tok),
            }
            self.pos += 1;
            items.push(self.unary()?);
        }
        self.depth -= 1;
        Ok(match joiner {
            None => items.pop().unwrap_or(Expr::And(Vec::new())),
            Some(Tok::And) => Expr::And(items),
            Some(_) => Expr::Or(items),
        })
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(t) if t.tok == Tok::Not => {
                let at = t.at;
                self.pos += 1;
                self.enter(at)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        enum Start {
            Paren,
            Matches { action: bool },
            Exists,
            Comparison,
        }
        let (at, start) = match self.peek() {
            None => return Err(error_at(self.text, self.end(), "the condition ends where an expression was expected".into())),
            Some(t) => (
                t.at,
                match &t.tok {
                    Tok::LParen => Start::Paren,
                    Tok::Word(w) if w == "ActionMatches" => Start::Matches { action: true },
                    Tok::Word(w) if w == "SubOperationMatches" => Start::Matches { action: false },
                    Tok::Word(w) if w == "Exists" => Start::Exists,
                    _ => Start::Comparison,
                },
            ),
        };
        match start {
            Start::Paren => {
                self.pos += 1;
                let inner = self.expr()?;
                let t = self.next("')'")?;
                if t.tok != Tok::RParen {
                    let opened = error_at(self.text, at, String::new()).column;
                    return Err(self.error(t.at, format!("expected ')' to close the '(' at character {opened}, found {}", t.tok.describe())));
                }
                Ok(inner)
            }
            Start::Matches { action } => {
                self.pos += 1;
                self.expect(Tok::LBrace, "'{'")?;
                let t = self.next("a quoted pattern")?;
                let Tok::Str(pattern) = t.tok else {
                    return Err(self.error(t.at, format!("expected a quoted pattern, found {}", t.tok.describe())));
                };
                self.expect(Tok::RBrace, "'}'")?;
                Ok(if action { Expr::ActionMatches(pattern) } else { Expr::SubOperationMatches(pattern) })
            }
            Start::Exists => {
                self.pos += 1;
                let t = self.next("an attribute")?;
                match t.tok {
                    Tok::Attr(source, name) => Ok(Expr::Exists(Attribute { source, name })),
                    other => Err(self.error(t.at, format!("expected an attribute after Exists, found {}", other.describe()))),
                }
            }
            Start::Comparison => {
                let left = self.operand()?;
                let t = self.next("an operator")?;
                let Tok::Word(w) = &t.tok else {
                    return Err(self.error(t.at, format!("expected an operator, found {}", t.tok.describe())));
                };
                let operator = operator(w).ok_or_else(|| self.error(t.at, format!("unknown operator {}: not one the condition format lists", shown(w))))?;
                let right = self.operand()?;
                Ok(Expr::Compare { left, operator, right })
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Attr(..)) => {
                let t = self.next("an attribute")?;
                let Tok::Attr(source, name) = t.tok else {
                    return Err(self.error(t.at, "expected an attribute".into()));
                };
                Ok(Operand::Attribute(Attribute { source, name }))
            }
            Some(Tok::LBrace) => {
                self.pos += 1;
                let mut values = vec![self.literal()?];
                loop {
                    let t = self.next("',' or '}'")?;
                    match t.tok {
                        Tok::Comma => values.push(self.literal()?),
                        Tok::RBrace => break,
                        other => return Err(self.error(t.at, format!("expected ',' or '}}', found {}", other.describe()))),
                    }
                }
                Ok(Operand::Set(values))
            }
            _ => Ok(Operand::Value(self.literal()?)),
        }
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        let t = self.next("a value")?;
        match t.tok {
            Tok::Str(s) => Ok(Literal::String(s)),
            Tok::Num(n) => Ok(Literal::Number(n)),
            Tok::Word(w) if w == "true" => Ok(Literal::Bool(true)),
            Tok::Word(w) if w == "false" => Ok(Literal::Bool(false)),
            other => Err(self.error(t.at, format!("expected a value, found {}", other.describe()))),
        }
    }
}

fn operator(word: &str) -> Option<Operator> {
    let (quantifier, function) = match word.split_once(':') {
        Some((q, f)) => (Some(QUANTIFIERS.iter().find(|(name, _)| *name == q)?.1), f),
        None => (None, word),
    };
    let &(name, test, cross) = FUNCTIONS.iter().find(|(name, _, _)| *name == function)?;
    if quantifier.is_some() && !cross {
        return None;
    }
    Some(Operator { quantifier, function: name, test })
}

/// What a condition means for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The condition does not restrict the action (it does not name it, or allows every
    /// repository).
    Unrestricted,
    /// Only some repositories, in words: `only repositories starting with team-a/
    /// (case-insensitive)`.
    Only(String),
    /// The condition is never true for the action.
    Never,
    /// It depends on something pullpath cannot evaluate; the reason, in words.
    Undecided(String),
}

impl Condition {
    /// What the condition allows for `action` (a data action such as
    /// `Microsoft.ContainerRegistry/registries/repositories/content/read`).
    pub fn evaluate(&self, action: &str) -> Verdict {
        let mut atoms = Vec::new();
        let formula = fold(&self.expr, action, &mut atoms);
        match formula {
            F::True => Verdict::Unrestricted,
            F::False => Verdict::Never,
            f => {
                let mut unknown = Vec::new();
                f.unknowns(&mut unknown);
                if !unknown.is_empty() {
                    unknown.dedup();
                    return Verdict::Undecided(unknown.join("; "));
                }
                match decide(&f, &atoms) {
                    Decision::Always => Verdict::Unrestricted,
                    Decision::Never => Verdict::Never,
                    Decision::Sometimes { .. } => Verdict::Only(describe(&f, &atoms)),
                    Decision::TooComplex => Verdict::Undecided("the repository-name test is too complex to decide".into()),
                }
            }
        }
    }
}

impl Condition {
    /// For a condition that allows `action` for some repositories only: one repository name it
    /// allows and one it refuses (names the condition's tests cannot tell from real ones).
    pub fn examples(&self, action: &str) -> Option<(String, String)> {
        let mut atoms = Vec::new();
        let f = fold(&self.expr, action, &mut atoms);
        let mut unknown = Vec::new();
        f.unknowns(&mut unknown);
        if !unknown.is_empty() || matches!(f, F::True | F::False) {
            return None;
        }
        match decide(&f, &atoms) {
            Decision::Sometimes { allowed, refused } => Some((allowed, refused)),
            _ => None,
        }
    }

    /// Whether the condition lets `action` through for one repository, or `None` when that
    /// depends on something pullpath cannot evaluate.
    pub fn allows(&self, action: &str, repository: &str) -> Option<bool> {
        let mut atoms = Vec::new();
        let f = fold(&self.expr, action, &mut atoms);
        let mut unknown = Vec::new();
        f.unknowns(&mut unknown);
        if !unknown.is_empty() {
            return None;
        }
        Some(f.eval(&|i| string_test(atoms[i].kind, atoms[i].ignore_case, repository, &atoms[i].value)))
    }
}

/// A condition folded for one action: constants, name tests (indexes into the atom list) and
/// parts that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
enum F {
    True,
    False,
    Unknown(String),
    Atom(usize),
    Not(Box<F>),
    And(Vec<F>),
    Or(Vec<F>),
}

impl F {
    fn not(self) -> F {
        match self {
            F::True => F::False,
            F::False => F::True,
            F::Not(inner) => *inner,
            other => F::Not(Box::new(other)),
        }
    }

    fn all(items: Vec<F>) -> F {
        let mut out = Vec::new();
        for f in items {
            match f {
                F::True => {}
                F::False => return F::False,
                F::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => F::True,
            1 => out.pop().unwrap_or(F::True),
            _ => F::And(out),
        }
    }

    fn any(items: Vec<F>) -> F {
        let mut out = Vec::new();
        for f in items {
            match f {
                F::False => {}
                F::True => return F::True,
                F::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => F::False,
            1 => out.pop().unwrap_or(F::False),
            _ => F::Or(out),
        }
    }

    fn unknowns(&self, out: &mut Vec<String>) {
        match self {
            F::Unknown(why) => out.push(why.clone()),
            F::Not(inner) => inner.unknowns(out),
            F::And(items) | F::Or(items) => items.iter().for_each(|f| f.unknowns(out)),
            _ => {}
        }
    }

    fn eval(&self, atom: &dyn Fn(usize) -> bool) -> bool {
        match self {
            F::True => true,
            F::False | F::Unknown(_) => false,
            F::Atom(i) => atom(*i),
            F::Not(inner) => !inner.eval(atom),
            F::And(items) => items.iter().all(|f| f.eval(atom)),
            F::Or(items) => items.iter().any(|f| f.eval(atom)),
        }
    }
}

/// One test on the repository name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Atom {
    kind: Match,
    ignore_case: bool,
    value: String,
}

fn fold(e: &Expr, action: &str, atoms: &mut Vec<Atom>) -> F {
    match e {
        Expr::And(items) => F::all(items.iter().map(|i| fold(i, action, atoms)).collect()),
        Expr::Or(items) => F::any(items.iter().map(|i| fold(i, action, atoms)).collect()),
        Expr::Not(inner) => fold(inner, action, atoms).not(),
        Expr::ActionMatches(pattern) => {
            if action_matches(pattern, action) {
                F::True
            } else {
                F::False
            }
        }
        Expr::SubOperationMatches(p) => F::Unknown(format!("SubOperationMatches{{{}}} (Container Registry documents no suboperations)", shown(p))),
        Expr::Exists(a) => F::Unknown(format!("Exists {}", describe_attribute(a))),
        Expr::Compare { left, operator, right } => compare(left, operator, right, atoms),
    }
}

fn describe_attribute(a: &Attribute) -> String {
    let source = match a.source {
        Source::Environment => "@Environment",
        Source::Principal => "@Principal",
        Source::Request => "@Request",
        Source::Resource => "@Resource",
    };
    format!("{source}[{}]", shown(&a.name).trim_matches('"'))
}

fn is_repository_name(a: &Attribute) -> bool {
    // Attribute names are compared ignoring ASCII case, like ARM action names: Azure refuses
    // a condition naming an unknown attribute, so whatever a tenant holds is spelled validly.
    a.source == Source::Request && a.name.eq_ignore_ascii_case(REPOSITORY_NAME)
}

fn strings(o: &Operand) -> Option<Vec<&str>> {
    fn one(l: &Literal) -> Option<&str> {
        match l {
            Literal::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
    match o {
        Operand::Value(l) => Some(vec![one(l)?]),
        Operand::Set(ls) => ls.iter().map(one).collect(),
        Operand::Attribute(_) => None,
    }
}

fn compare(left: &Operand, op: &Operator, right: &Operand, atoms: &mut Vec<Atom>) -> F {
    let Test::String { kind, negated, ignore_case } = op.test else {
        return F::Unknown(format!("{} is not a string comparison", op.function));
    };
    let signed = |f: F| if negated { f.not() } else { f };
    match (left, right) {
        (Operand::Attribute(a), _) if is_repository_name(a) => {
            let Some(values) = strings(right) else {
                return F::Unknown(format!("the repository name compared with {} to something other than strings", op.function));
            };
            if op.quantifier.is_none() && matches!(right, Operand::Set(_)) {
                return F::Unknown(format!("{} against a set of values without a ForAnyOfAnyValues-style quantifier is not documented", op.function));
            }
            let tests: Vec<F> = values
                .into_iter()
                .map(|v| {
                    let i = atoms.len();
                    atoms.push(Atom { kind, ignore_case, value: v.to_string() });
                    signed(F::Atom(i))
                })
                .collect();
            // The request names one repository, so "any of the left" and "all of the left"
            // agree; the quantifier's right-hand half decides.
            match op.quantifier {
                Some(Quantifier::ForAnyOfAllValues | Quantifier::ForAllOfAllValues) => F::all(tests),
                _ => F::any(tests),
            }
        }
        (Operand::Attribute(a), _) | (_, Operand::Attribute(a)) => F::Unknown(format!("{} is not an attribute Container Registry documents for repository permissions", describe_attribute(a))),
        _ => {
            let (Some(l), Some(r)) = (strings(left), strings(right)) else {
                return F::Unknown(format!("{} between values that are not all strings", op.function));
            };
            let test = |x: &str, y: &str| negated != string_test(kind, ignore_case, x, y);
            let holds = match op.quantifier {
                None if l.len() == 1 && r.len() == 1 => test(l[0], r[0]),
                None => return F::Unknown(format!("{} between sets without a quantifier is not documented", op.function)),
                Some(Quantifier::ForAnyOfAnyValues) => l.iter().any(|x| r.iter().any(|y| test(x, y))),
                Some(Quantifier::ForAllOfAnyValues) => l.iter().all(|x| r.iter().any(|y| test(x, y))),
                Some(Quantifier::ForAnyOfAllValues) => l.iter().any(|x| r.iter().all(|y| test(x, y))),
                Some(Quantifier::ForAllOfAllValues) => l.iter().all(|x| r.iter().all(|y| test(x, y))),
            };
            if holds {
                F::True
            } else {
                F::False
            }
        }
    }
}

/// `value` tested against `pattern` (not negated).
fn string_test(kind: Match, ignore_case: bool, value: &str, pattern: &str) -> bool {
    let g = Glob::new(kind, ignore_case, pattern);
    let mut set = g.start();
    for c in value.chars() {
        set = g.step(&set, Some(c));
        if !set.iter().any(|&b| b) {
            return false;
        }
    }
    g.accepts(&set)
}

/// ARM action matching as `rbac::action_matches` does it (ASCII case-insensitive, `*` any
/// text, `/*/` also a single `/`), by dynamic programming: a pattern from a condition is
/// attacker-controlled, and backtracking over many `*` would take exponential time.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), action.as_bytes());
    let n = s.len();
    // next[j]: does p[i+1..] match s[j..]; cur[j]: p[i..]; two rows back for `/*/`.
    let mut rows: [Vec<bool>; 3] = [vec![false; n + 1], vec![false; n + 1], vec![false; n + 1]];
    rows[0][n] = true; // the empty pattern matches only the empty rest
    for i in (0..p.len()).rev() {
        rows.rotate_right(1);
        // rows[0] is p[i..] (being built), rows[1] is p[i+1..], rows[2] is p[i+2..].
        for j in (0..=n).rev() {
            let v = match p[i] {
                b'*' => rows[1][j] || (j < n && rows[0][j + 1]),
                c => {
                    let plain = j < n && c.eq_ignore_ascii_case(&s[j]) && rows[1][j + 1];
                    let slash_star = c == b'/' && p.get(i + 1) == Some(&b'*') && p.get(i + 2) == Some(&b'/') && j < n && s[j] == b'/' && rows[2][j];
                    plain || slash_star
                }
            };
            rows[0][j] = v;
        }
    }
    rows[0][0]
}

/// A string test as a glob: `Equals` is the literal, `StartsWith` the literal then `*`.
#[derive(Debug, Clone)]
struct Glob {
    items: Vec<Item>,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Char(char, bool),
    One,
    Many,
}

impl Glob {
    fn new(kind: Match, ignore_case: bool, value: &str) -> Glob {
        let mut items = Vec::new();
        match kind {
            Match::Equals | Match::StartsWith => {
                items.extend(value.chars().map(|c| Item::Char(c, ignore_case)));
                if kind == Match::StartsWith {
                    items.push(Item::Many);
                }
            }
            Match::Like => {
                let mut it = value.chars().peekable();
                while let Some(c) = it.next() {
                    items.push(match c {
                        '\\' if matches!(it.peek(), Some('*' | '?')) => Item::Char(it.next().unwrap_or('\\'), ignore_case),
                        '*' => Item::Many,
                        '?' => Item::One,
                        c => Item::Char(c, ignore_case),
                    });
                }
            }
        }
        Glob { items }
    }

    fn close(&self, set: &mut [bool]) {
        for i in 0..self.items.len() {
            if set[i] && matches!(self.items[i], Item::Many) {
                set[i + 1] = true;
            }
        }
    }

    fn start(&self) -> Vec<bool> {
        let mut set = vec![false; self.items.len() + 1];
        set[0] = true;
        self.close(&mut set);
        set
    }

    /// One character; `None` stands for any character no test names.
    fn step(&self, set: &[bool], c: Option<char>) -> Vec<bool> {
        let mut next = vec![false; set.len()];
        for (i, item) in self.items.iter().enumerate() {
            if !set[i] {
                continue;
            }
            match *item {
                Item::Char(want, ci) => {
                    if c.is_some_and(|c| c == want || (ci && c.eq_ignore_ascii_case(&want))) {
                        next[i + 1] = true;
                    }
                }
                Item::One => next[i + 1] = true,
                Item::Many => next[i] = true,
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, set: &[bool]) -> bool {
        set[self.items.len()]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Always,
    Never,
    /// With a name the test allows and one it refuses.
    Sometimes { allowed: String, refused: String },
    TooComplex,
}

/// Bounds on deciding a name test exactly.
const MAX_ATOMS: usize = 256;
const MAX_ITEMS: usize = 4096;
const MAX_STATES: usize = 4096;
/// Automaton steps times positions: about a millisecond of work.
const MAX_WORK: usize = 1_000_000;

/// Whether the name test is true for every repository name, none or some: a breadth-first walk
/// over the product of the tests' automata, reading the characters the tests name plus one
/// stand-in for every other character. Every reachable product state is a class of names
/// the tests cannot tell apart, so the walk is exact; it gives up past fixed bounds.
fn decide(f: &F, atoms: &[Atom]) -> Decision {
    let globs: Vec<Glob> = atoms.iter().map(|a| Glob::new(a.kind, a.ignore_case, &a.value)).collect();
    if atoms.len() > MAX_ATOMS || globs.iter().map(|g| g.items.len()).sum::<usize>() > MAX_ITEMS {
        return Decision::TooComplex;
    }
    let mut alphabet: Vec<Option<char>> = vec![None];
    let mut seen_chars = HashSet::new();
    for g in &globs {
        for item in &g.items {
            if let Item::Char(c, ci) = *item {
                let mut add = |c: char| {
                    if seen_chars.insert(c) {
                        alphabet.push(Some(c));
                    }
                };
                add(c);
                if ci {
                    add(c.to_ascii_lowercase());
                    add(c.to_ascii_uppercase());
                }
            }
        }
    }
    // The stand-in for "any other character", spelled as a character no test names.
    let other = "x0-_.zq".chars().chain(('\u{E000}'..='\u{F8FF}').take(4096)).find(|c| !seen_chars.contains(c)).unwrap_or('\u{FFFD}');
    let start: Vec<Vec<bool>> = globs.iter().map(Glob::start).collect();
    let mut seen: HashSet<Vec<Vec<bool>>> = HashSet::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back((start, String::new()));
    let (mut allowed, mut refused): (Option<String>, Option<String>) = (None, None);
    let per_step: usize = globs.iter().map(|g| g.items.len() + 1).sum();
    let mut work = 0usize;
    while let Some((state, name)) = queue.pop_front() {
        for &c in &alphabet {
            work += per_step;
            if work > MAX_WORK {
                return Decision::TooComplex;
            }
            let next: Vec<Vec<bool>> = globs.iter().zip(&state).map(|(g, s)| g.step(s, c)).collect();
            let mut longer = name.clone();
            longer.push(c.unwrap_or(other));
            // Only names of at least one character are tested: a repository always has a name.
            let slot = if f.eval(&|i| globs[i].accepts(&next[i])) { &mut allowed } else { &mut refused };
            if slot.is_none() {
                *slot = Some(longer.clone());
            }
            if let (Some(a), Some(r)) = (&allowed, &refused) {
                return Decision::Sometimes { allowed: a.clone(), refused: r.clone() };
            }
            if !seen.contains(&next) {
                if seen.len() >= MAX_STATES {
                    return Decision::TooComplex;
                }
                seen.insert(next.clone());
                queue.push_back((next, longer));
            }
        }
    }
    if allowed.is_some() {
        Decision::Always
    } else {
        Decision::Never
    }
}

/// The name test in words: `only repositories starting with team-a/ (case-insensitive)`.
fn describe(f: &F, atoms: &[Atom]) -> String {
    let all_ci = atoms.iter().all(|a| a.ignore_case);
    let none_ci = atoms.iter().all(|a| !a.ignore_case);
    let per_atom = !(all_ci || none_ci);
    let mut out = String::from("only repositories ");
    render(f, atoms, per_atom, &mut out);
    if all_ci {
        out.push_str(" (case-insensitive)");
    }
    out
}

fn render(f: &F, atoms: &[Atom], per_atom: bool, out: &mut String) {
    match f {
        F::True => out.push_str("(any name)"),
        F::False | F::Unknown(_) => out.push_str("(no name)"),
        F::Atom(i) => phrase(&atoms[*i], false, per_atom, out),
        F::Not(inner) => match inner.as_ref() {
            F::Atom(i) => phrase(&atoms[*i], true, per_atom, out),
            other => {
                out.push_str("not (");
                render(other, atoms, per_atom, out);
                out.push(')');
            }
        },
        F::And(items) => join(items, " and ", atoms, per_atom, out),
        F::Or(items) => {
            // Adjacent plain tests of one kind read as one list: "starting with a/ or b/".
            let mut groups: Vec<Vec<&F>> = Vec::new();
            for item in items {
                let kind = |f: &F| match f {
                    F::Atom(i) if !per_atom => Some(atoms[*i].kind),
                    _ => None,
                };
                match groups.last_mut() {
                    Some(g) if kind(item).is_some() && kind(g[0]) == kind(item) => g.push(item),
                    _ => groups.push(vec![item]),
                }
            }
            for (n, g) in groups.iter().enumerate() {
                if n > 0 {
                    out.push_str(if n + 1 == groups.len() { ", or " } else { ", " });
                }
                match g.as_slice() {
                    [F::Atom(first), rest @ ..] if !rest.is_empty() => {
                        phrase(&atoms[*first], false, per_atom, out);
                        for (k, item) in rest.iter().enumerate() {
                            out.push_str(if k + 1 == rest.len() { " or " } else { ", " });
                            if let F::Atom(i) = item {
                                value(&atoms[*i].value, out);
                            }
                        }
                    }
                    _ => {
                        for item in g {
                            nested(item, atoms, per_atom, out);
                        }
                    }
                }
            }
        }
    }
}

fn join(items: &[F], sep: &str, atoms: &[Atom], per_atom: bool, out: &mut String) {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push_str(sep);
        }
        nested(item, atoms, per_atom, out);
    }
}

fn nested(f: &F, atoms: &[Atom], per_atom: bool, out: &mut String) {
    if matches!(f, F::And(_) | F::Or(_)) {
        out.push('(');
        render(f, atoms, per_atom, out);
        out.push(')');
    } else {
        render(f, atoms, per_atom, out);
    }
}

fn phrase(a: &Atom, negated: bool, per_atom: bool, out: &mut String) {
    if negated {
        out.push_str("not ");
    }
    out.push_str(match a.kind {
        Match::Equals => "named ",
        Match::StartsWith => "starting with ",
        Match::Like => "matching ",
    });
    value(&a.value, out);
    if per_atom && a.ignore_case {
        out.push_str(" (case-insensitive)");
    }
}

/// A value from the condition as text a person can read and no one can forge lines with:
/// plain repository-name characters as they are, anything else quoted and escaped.
fn value(v: &str, out: &mut String) {
    let plain = !v.is_empty() && v.len() <= 100 && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-/*?:@".contains(c));
    if plain {
        out.push_str(v);
    } else {
        let _ = write!(out, "{}", shown(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: &str = "Microsoft.ContainerRegistry/registries/repositories/content/read";
    const WRITE: &str = "Microsoft.ContainerRegistry/registries/repositories/content/write";
    const NAME: &str = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";

    fn verdict(text: &str, action: &str) -> Verdict {
        match parse(text) {
            Ok(c) => c.evaluate(action),
            Err(e) => panic!("{text}: {e}"),
        }
    }

    /// The shapes Microsoft's Container Registry page shows, and their neighbours.
    #[test]
    fn verdicts() {
        let only = |s: &str| Verdict::Only(s.to_string());
        let cases: Vec<(String, &str, Verdict)> = vec![
            // The documented single-repository condition (Reader: content/read + metadata/read).
            (
                format!("( ( !(ActionMatches{{'{READ}'}}) AND !(ActionMatches{{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'}}) ) OR ( {NAME} StringEqualsIgnoreCase 'hello-world' ) )"),
                READ,
                only("only repositories named hello-world (case-insensitive)"),
            ),
            // A condition restricts only the actions it names.
            (format!("((!(ActionMatches{{'{WRITE}'}})) OR ({NAME} StringStartsWithIgnoreCase 'team-a/'))"), READ, Verdict::Unrestricted),
            (format!("((!(ActionMatches{{'{WRITE}'}})) OR ({NAME} StringStartsWithIgnoreCase 'team-a/'))"), WRITE, only("only repositories starting with team-a/ (case-insensitive)")),
            // Two prefixes (the documented multiple-wildcard example).
            (
                format!("((!(ActionMatches{{'{READ}'}})) OR ({NAME} StringStartsWithIgnoreCase 'backend/' OR {NAME} StringStartsWithIgnoreCase 'frontend/js/'))"),
                READ,
                only("only repositories starting with backend/ or frontend/js/ (case-insensitive)"),
            ),
            // Wildcard patterns in ActionMatches, `&&`, `||`, `NOT`.
            (format!("!ActionMatches{{'Microsoft.ContainerRegistry/registries/repositories/*'}} || {NAME} StringEquals 'app'"), WRITE, only("only repositories named app")),
            (format!("NOT ActionMatches{{'{READ}'}} || {NAME} StringLike 'base/*'"), READ, only("only repositories matching base/*")),
            // Mixed case sensitivity is said per test.
            (format!("!(ActionMatches{{'{READ}'}}) OR ({NAME} StringEquals 'a' OR {NAME} StringStartsWithIgnoreCase 'b/')"), READ, only("only repositories named a, or starting with b/ (case-insensitive)")),
            // Negations.
            (format!("!(ActionMatches{{'{READ}'}}) OR {NAME} StringNotStartsWith 'secret/'"), READ, only("only repositories not starting with secret/")),
            // Cross-product operators over one repository name.
            (format!("!(ActionMatches{{'{READ}'}}) OR {NAME} ForAnyOfAnyValues:StringEquals {{'a', 'b'}}"), READ, only("only repositories named a or b")),
            (format!("!(ActionMatches{{'{READ}'}}) OR {NAME} ForAnyOfAllValues:StringNotEquals {{'a', 'b'}}"), READ, only("only repositories not named a and not named b")),
            // Never true: a denial, contradictory tests, an impossible prefix pair.
            (format!("!(ActionMatches{{'{READ}'}})"), READ, Verdict::Never),
            (format!("!(ActionMatches{{'{READ}'}})"), WRITE, Verdict::Unrestricted),
            (format!("!(ActionMatches{{'{READ}'}}) OR ({NAME} StringEquals 'a' AND {NAME} StringEquals 'b')"), READ, Verdict::Never),
            (format!("!(ActionMatches{{'{READ}'}}) OR ({NAME} StringStartsWith 'a/' AND {NAME} StringStartsWith 'b/')"), READ, Verdict::Never),
            (format!("!(ActionMatches{{'{READ}'}}) OR ({NAME} StringEqualsIgnoreCase 'App' AND {NAME} StringEquals 'aPP')"), READ, only("only repositories named App (case-insensitive) and named aPP")),
            // Always true: the empty prefix, `*`, a test and its negation.
            (format!("!(ActionMatches{{'{READ}'}}) OR {NAME} StringStartsWith ''"), READ, Verdict::Unrestricted),
            (format!("!(ActionMatches{{'{READ}'}}) OR {NAME} StringLike '*'"), READ, Verdict::Unrestricted),
            (format!("!(ActionMatches{{'{READ}'}}) OR ({NAME} StringLike 'a*' OR {NAME} StringNotStartsWith 'a')"), READ, Verdict::Unrestricted),
            // Escaped wildcards are literal.
            (format!("!(ActionMatches{{'{READ}'}}) OR ({NAME} StringLike 'a\\*' AND {NAME} StringNotEquals 'a*')"), READ, Verdict::Never),
            // Constant comparisons from the format's operator examples.
            (format!("!(ActionMatches{{'{READ}'}}) OR {{'red', 'blue'}} ForAnyOfAnyValues:StringEquals {{'blue', 'green'}}"), READ, Verdict::Unrestricted),
            (format!("!(ActionMatches{{'{READ}'}}) OR {{'red', 'blue'}} ForAllOfAnyValues:StringEquals {{'red', 'green'}}"), READ, Verdict::Never),
            // What pullpath cannot evaluate stays undecided.
            (format!("!(ActionMatches{{'{READ}'}} AND SubOperationMatches{{'Blob.List'}}) OR {NAME} StringEquals 'a'"), READ, Verdict::Undecided("SubOperationMatches{\"Blob.List\"} (Container Registry documents no suboperations)".into())),
            (format!("!(ActionMatches{{'{WRITE}'}} AND SubOperationMatches{{'x'}}) OR {NAME} StringEquals 'a'"), READ, Verdict::Unrestricted),
            (format!("!(ActionMatches{{'{READ}'}}) OR @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Team] StringEquals 'a'"), READ, Verdict::Undecided("@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Team] is not an attribute Container Registry documents for repository permissions".into())),
            (format!("!(ActionMatches{{'{READ}'}}) OR {NAME} NumericEquals 5"), READ, Verdict::Undecided("NumericEquals is not a string comparison".into())),
        ];
        for (text, action, want) in cases {
            assert_eq!(verdict(&text, action), want, "{text} for {action}");
        }
    }

    #[test]
    fn parse_errors_say_where() {
        let cases: Vec<(String, usize, &str)> = vec![
            // The operator the simulator's generator used to write.
            (format!("{NAME} StringStartsIgnoreCase 'base/'"), 68, "unknown operator \"StringStartsIgnoreCase\""),
            ("'a'".into(), 4, "the condition ends where an operator was expected"),
            ("".into(), 1, "the condition ends where an expression was expected"),
            ("(ActionMatches{'x'}".into(), 20, "the condition ends where ')' was expected"),
            ("ActionMatches{'x'} AND ActionMatches{'y'} OR ActionMatches{'z'}".into(), 43, "AND and OR mixed without parentheses"),
            ("ActionMatches{'x}".into(), 15, "unterminated string"),
            ("ActionMatches{'x'} & ActionMatches{'y'}".into(), 20, "expected &&"),
            (format!("{NAME} ForAnyOfAnyValues:StringStartsWith {{'a'}}"), 68, "unknown operator"),
            ("@Foo[x] StringEquals 'a'".into(), 1, "unknown attribute source"),
            ("ActionMatches{'x'} )".into(), 20, "unexpected ')' after the end"),
            ("ActionMatches{'x'} and ActionMatches{'y'}".into(), 20, "unexpected word \"and\""),
            ("é ActionMatches".into(), 1, "unexpected character 'é'"),
            ("'é' StringEquals ~".into(), 18, "unexpected character '~'"),
        ];
        for (text, column, message) in cases {
            match parse(&text) {
                Ok(c) => panic!("{text:?} parsed as {c:?}"),
                Err(e) => {
                    assert!(e.message.contains(message), "{text:?}: {e}");
                    assert_eq!(e.column, column, "{text:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn depth_and_length_are_bounded() {
        let deep = format!("{}ActionMatches{{'x'}}{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep).unwrap_err().message.contains("nested more than"));
        let nots = format!("{}ActionMatches{{'x'}}", "!".repeat(1000));
        assert!(parse(&nots).unwrap_err().message.contains("nested more than"));
        let ok = format!("{}ActionMatches{{'x'}}{}", "(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1));
        assert!(parse(&ok).is_ok());
        let long = format!("ActionMatches{{'{}'}}", "a".repeat(MAX_LEN));
        assert!(parse(&long).unwrap_err().message.contains("more than the"));
    }

    #[test]
    fn every_documented_operator_parses() {
        for (name, _, cross) in FUNCTIONS {
            assert!(parse(&format!("{NAME} {name} 'x'")).is_ok(), "{name}");
            for (q, _) in QUANTIFIERS {
                assert_eq!(parse(&format!("{NAME} {q}:{name} {{'x'}}")).is_ok(), *cross, "{q}:{name}");
            }
        }
        assert!(parse(&format!("Exists {NAME} OR NOT Exists @Resource[x]")).is_ok());
        assert!(parse("@Resource[Microsoft.Storage/storageAccounts:isHnsEnabled] BoolEquals true").is_ok());
        assert!(parse("{10, 20} ForAnyOfAllValues:NumericLessThan {15, 18}").is_ok());
    }

    #[test]
    fn action_matching_agrees_with_rbac() {
        let actions = [READ, WRITE, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", "a/b"];
        let patterns = ["*", "*/read", "microsoft.containerregistry/*", "Microsoft.ContainerRegistry/registries/repositories/content/*", "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "a/*/b", "*a*b*", "", "a/b", "A/B*"];
        for a in actions {
            for p in patterns {
                assert_eq!(action_matches(p, a), crate::rbac::action_matches(p, a), "{p} vs {a}");
            }
        }
        // Many stars do not take exponential time.
        assert!(!action_matches(&"*a".repeat(2000), READ));
    }

    #[test]
    fn hostile_values_cannot_forge_lines() {
        let text = format!("!(ActionMatches{{'{READ}'}}) OR {NAME} StringEquals 'a\nFinding: all clear'");
        let Verdict::Only(words) = verdict(&text, READ) else { panic!() };
        assert!(!words.contains('\n'), "{words}");
        assert!(words.contains(r#""a\nFinding: all clear""#), "{words}");
    }
}
