//! Protobuf to JSON: `.proto` text compiled at run time (`protox`),
//! messages decoded by reflection (`prost-reflect`) and written in the
//! protobuf JSON mapping with the `.proto` field names, default values
//! included and 64-bit integers as numbers (so a lens reads `/version`). Pure:
//! compiles the text it is given; must not read files or the network, or import
//! the terminal, tokio, rdkafka or an adapter.

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, SerializeOptions};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use std::collections::HashMap;

/// A compiled Protobuf schema.
pub struct Proto {
    pool: DescriptorPool,
    main: String,
    /// The message every body is (`--proto-message`); else the framing's indexes decide.
    message: Option<MessageDescriptor>,
}

struct Memory(HashMap<String, String>);

/// A schema as the registry may hold it: `.proto` text, or (as
/// confluent-kafka's Python serializer registers it) a base64
/// `FileDescriptorProto`.
fn open(name: &str, src: &str) -> Result<File, protox::Error> {
    use base64::Engine as _;
    if !src.trim().contains(char::is_whitespace) {
        if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(src.trim()) {
            if let Ok(f) = File::decode_file_descriptor_proto(b.as_slice()) {
                return Ok(f);
            }
        }
    }
    File::from_source(name, src)
}

impl FileResolver for Memory {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.0.get(name) {
            Some(src) => open(name, src),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

impl Proto {
    /// Compiles `.proto` text (`main`) with the files it imports (`deps`,
    /// by import name).
    pub fn compile(
        main_name: &str,
        main: &str,
        deps: &[(String, String)],
        message: Option<&str>,
    ) -> Result<Proto, String> {
        let mut files: HashMap<String, String> = deps.iter().cloned().collect();
        // A descriptor names its own file (and its imports by that name).
        let main_name = match open(main_name, main) {
            Ok(f) if !f.name().is_empty() => f.name().to_string(),
            _ => main_name.to_string(),
        };
        let main_name = main_name.as_str();
        files.insert(main_name.to_string(), main.to_string());
        let mut chain = ChainFileResolver::new();
        chain.add(Memory(files));
        chain.add(GoogleFileResolver::new());
        let mut c = protox::Compiler::with_file_resolver(chain);
        c.include_imports(true);
        c.open_file(main_name)
            .map_err(|e| format!("the Protobuf schema does not compile: {e}"))?;
        let pool = DescriptorPool::decode(c.encode_file_descriptor_set().as_slice())
            .map_err(|e| format!("the Protobuf schema does not load: {e}"))?;
        Proto::from_pool(pool, main_name, message)
    }

    /// A schema from a descriptor pool (`--proto FILE`, compiled from disk).
    pub fn from_pool(
        pool: DescriptorPool,
        main_name: &str,
        message: Option<&str>,
    ) -> Result<Proto, String> {
        let message = match message {
            None => None,
            Some(m) => Some(pool.get_message_by_name(m).ok_or_else(|| {
                let known: Vec<String> = pool
                    .all_messages()
                    .map(|m| m.full_name().to_string())
                    .take(20)
                    .collect();
                format!(
                    "no message {m:?} in the schema (it has: {})",
                    known.join(", ")
                )
            })?),
        };
        Ok(Proto {
            pool,
            main: main_name.to_string(),
            message,
        })
    }

    /// The message the indexes name in the main file.
    fn message_at(&self, indexes: &[i64]) -> Result<MessageDescriptor, String> {
        if let Some(m) = &self.message {
            return Ok(m.clone());
        }
        let file = self
            .pool
            .get_file_by_name(&self.main)
            .ok_or_else(|| "protobuf: the main file is missing".to_string())?;
        let bad = || format!("protobuf: message indexes {indexes:?} name no message");
        let first = *indexes.first().unwrap_or(&0);
        let mut m = file
            .messages()
            .nth(usize::try_from(first).map_err(|_| bad())?)
            .ok_or_else(bad)?;
        for &i in indexes.iter().skip(1) {
            let child = m
                .child_messages()
                .nth(usize::try_from(i).map_err(|_| bad())?)
                .ok_or_else(bad)?;
            m = child;
        }
        Ok(m)
    }

    /// Decodes a body to JSON text.
    pub fn to_json(&self, body: &[u8], indexes: &[i64]) -> Result<String, String> {
        let desc = self.message_at(indexes)?;
        let msg = DynamicMessage::decode(desc.clone(), body)
            .map_err(|e| format!("protobuf: not a valid {}: {e}", desc.full_name()))?;
        let opts = SerializeOptions::new()
            .use_proto_field_name(true)
            .skip_default_fields(false)
            .stringify_64_bit_integers(false);
        let mut ser = serde_json::Serializer::new(Vec::with_capacity(body.len() * 2 + 16));
        msg.serialize_with_options(&mut ser, &opts)
            .map_err(|e| format!("protobuf: {e}"))?;
        String::from_utf8(ser.into_inner()).map_err(|_| "protobuf: not UTF-8".into())
    }
}

/// The Confluent Protobuf message indexes at the start of `b` (zigzag
/// varints: a count, then that many indexes; a count of 0 means `[0]`),
/// and the body after them.
pub fn message_indexes(b: &[u8]) -> Result<(Vec<i64>, &[u8]), String> {
    let mut r = b;
    let bad = |_| "protobuf: the message indexes are cut short".to_string();
    let n = super::avro::long(&mut r).map_err(bad)?;
    if n == 0 {
        return Ok((vec![0], r));
    }
    if !(0..=100).contains(&n) {
        return Err(format!("protobuf: {n} message indexes (corrupt framing?)"));
    }
    let mut ix = Vec::with_capacity(n as usize);
    for _ in 0..n {
        ix.push(super::avro::long(&mut r).map_err(bad)?);
    }
    Ok((ix, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROTO: &str = r#"syntax = "proto3";
package demo;
message Other { string x = 1; }
message Event {
  string id = 1;
  int64 version = 2;
  message Inner { int32 n = 1; }
}
"#;

    #[test]
    fn indexes_pick_the_message() {
        let p = Proto::compile("main.proto", PROTO, &[], None).unwrap();
        // Event { id: "a", version: 3 }: field 1 len 1 'a', field 2 varint 3.
        let body = [0x0a, 0x01, b'a', 0x10, 0x03];
        assert_eq!(p.to_json(&body, &[1]).unwrap(), r#"{"id":"a","version":3}"#);
        // Event.Inner { n: 5 }
        assert_eq!(p.to_json(&[0x08, 0x05], &[1, 0]).unwrap(), r#"{"n":5}"#);
        assert!(p.to_json(&body, &[7]).is_err());
        // Zigzag: count 1 (0x02), index 1 (0x02).
        assert_eq!(
            message_indexes(&[0x02, 0x02, 9]).unwrap(),
            (vec![1], &[9u8][..])
        );
        assert_eq!(message_indexes(&[0x00, 9]).unwrap(), (vec![0], &[9u8][..]));
    }

    #[test]
    fn a_missing_import_is_a_reason() {
        let src = "syntax = \"proto3\";\nimport \"other.proto\";\nmessage A { Other o = 1; }\n";
        let e = Proto::compile("main.proto", src, &[], None).err().unwrap();
        assert!(e.contains("does not compile"), "{e}");
    }
}
