//! A small XML tree for OSS answers, and escaping for the bodies we send.
//!
//! OSS answers are a root element of leaf children (`<Error><Code>…</Code>…</Error>`), at
//! most two levels deep (`ListPartsResult/Part/ETag`). Reading them into a tree of
//! [`Element`]s, then picking fields by name, gives a clear error for every missing or
//! malformed field, tolerates elements OSS adds later (V4 error bodies may carry
//! `CanonicalRequest`, and ListParts parts `HashCrc64ecma`, neither in the 2021 docs), and
//! never panics: depth and element count are bounded, and every input is untrusted.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// The deepest nesting accepted; OSS answers use three levels.
const MAX_DEPTH: usize = 8;
/// The most elements accepted (a ListParts page holds at most 1,000 parts of 5 fields).
const MAX_ELEMENTS: usize = 20_000;

/// Why a body is not the XML expected. Its text names the problem, never the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlError {}

/// An element: its name, its text (unescaped) and its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name (without a namespace prefix).
    pub name: String,
    /// The text directly inside, entities resolved, CDATA included.
    pub text: String,
    /// Child elements, in order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name`, when present.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The text of child `name`; an error naming it when absent.
    pub fn required(&self, name: &str) -> Result<&str, XmlError> {
        self.text_of(name)
            .ok_or_else(|| XmlError(format!("<{}> has no <{name}>", self.name)))
    }

    /// Child `name` parsed as a number; an error naming it when absent or not a number.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, XmlError> {
        let text = self.required(name)?.trim();
        text.parse()
            .map_err(|_| XmlError(format!("<{}><{name}> is not a number", self.name)))
    }

    /// Child `name` as an optional number: absent or empty is `None`.
    pub fn optional_number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, XmlError> {
        match self.text_of(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(_) => self.number(name).map(Some),
        }
    }
}

/// Parses `body` and checks that its root is named `root`.
pub fn parse_root(body: &[u8], root: &str) -> Result<Element, XmlError> {
    let element = parse(body)?;
    if element.name != root {
        return Err(XmlError(format!(
            "expected <{root}>, got <{}>",
            one_name(&element.name)
        )));
    }
    Ok(element)
}

/// A name as quoted in an error: short, and without anything but name characters.
fn one_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect()
}

/// Parses `body` into its root element.
pub fn parse(body: &[u8]) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(body).map_err(|_| XmlError("the body is not UTF-8".into()))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    let bad = |what: &str| XmlError(format!("the body is not well-formed XML ({what})"));
    loop {
        let event = reader.read_event().map_err(|_| bad("syntax"))?;
        match event {
            Event::Start(start) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(XmlError("the XML is nested too deep or too large".into()));
                }
                stack.push(Element {
                    name: local_name(start.local_name().as_ref())?,
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError("the XML is too large".into()));
                }
                let element = Element {
                    name: local_name(start.local_name().as_ref())?,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::End(end) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| bad("a closing tag without an opening one"))?;
                if local_name(end.local_name().as_ref())? != element.name {
                    return Err(bad("mismatched closing tag"));
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&t.xml10_content().map_err(|_| bad("text"))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|_| bad("CDATA"))?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or_else(|| bad("a character reference"))?
                        .to_string()
                } else {
                    let name = r.decode().map_err(|_| bad("an entity"))?;
                    resolve_predefined_entity(&name)
                        .ok_or_else(|| bad("an unknown entity"))?
                        .to_owned()
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    XmlError("the body holds no XML element".into())
                } else {
                    bad("it ends inside an element")
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

fn local_name(bytes: &[u8]) -> Result<String, XmlError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| XmlError("an element name is not UTF-8".into()))
}

/// `text` with `&`, `<`, `>`, `'` and `"` escaped, for element text we write.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_a_tree_with_entities_cdata_and_namespaces() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><Code>SignatureDoesNotMatch</Code><Empty/><StringToSign>PUT
&amp;x &#x41;&lt;</StringToSign><Z><![CDATA[<raw>]]></Z><a:B>1</a:B></Error>"#;
        let e = parse_root(body, "Error").unwrap();
        assert_eq!(e.text_of("Code"), Some("SignatureDoesNotMatch"));
        assert_eq!(e.text_of("Empty"), Some(""));
        assert_eq!(e.text_of("StringToSign"), Some("PUT\n&x A<"));
        assert_eq!(e.text_of("Z"), Some("<raw>"));
        assert_eq!(e.number::<u32>("B").unwrap(), 1);
        assert!(e.number::<u32>("Code").unwrap_err().0.contains("<Code>"));
        assert!(e.required("Nope").unwrap_err().0.contains("<Nope>"));
        assert_eq!(e.optional_number::<u32>("Empty").unwrap(), None);
    }

    #[test]
    fn refuses_what_is_not_xml() {
        for body in [
            &b""[..],
            b"hello",
            b"<a>",
            b"<a></b>",
            b"</a>",
            b"<a>&bogus;</a>",
            b"\xff\xfe",
            b"<a>&#0;</a>",
        ] {
            assert!(parse(body).is_err(), "{body:?}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).unwrap_err().0.contains("too deep"));
        assert!(
            parse_root(b"<Other/>", "Error")
                .unwrap_err()
                .0
                .contains("<Other>")
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&body);
        }

        #[test]
        fn never_panics_on_xmlish_text(body in "[<>/a-c&;#x0-9!\\[\\]CDAT?= \"]{0,200}") {
            let _ = parse(body.as_bytes());
        }
    }
}
