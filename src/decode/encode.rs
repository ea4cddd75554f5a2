//! Avro encoding of JSON objects, for `kord produce SCENARIO --format
//! avro`: a record schema inferred from the payloads (every field
//! nullable), values written with `apache-avro`. Pure: must not write to Kafka
//! (`source::kafka::produce` does) or import the terminal or tokio.

use apache_avro::types::Value;
use apache_avro::Schema;
use serde_json::Value as Json;

/// An Avro record schema (JSON text) covering the top-level fields of
/// `payloads`: integers as `long`, other numbers as `double`, booleans,
/// strings, and anything else as a string of its JSON text; each field a
/// union with null (default null), so a field an event lacks stays absent.
pub fn infer_schema(name: &str, payloads: &[Json]) -> String {
    let mut fields: Vec<(String, &'static str)> = Vec::new();
    for p in payloads {
        let Some(o) = p.as_object() else { continue };
        for (k, v) in o {
            let t = match v {
                Json::Null => continue,
                Json::Bool(_) => "boolean",
                Json::Number(n) if n.is_i64() => "long",
                Json::Number(_) => "double",
                _ => "string",
            };
            match fields.iter_mut().find(|(n, _)| n == k) {
                None => fields.push((k.clone(), t)),
                Some((_, have)) if *have == t => {}
                Some((_, have)) if *have == "long" && t == "double" => *have = "double",
                Some((_, have)) if *have == "double" && t == "long" => {}
                Some((_, have)) => *have = "string",
            }
        }
    }
    let fields: Vec<Json> = fields
        .iter()
        .map(|(n, t)| serde_json::json!({"name": n, "type": ["null", t], "default": null}))
        .collect();
    serde_json::json!({"type": "record", "name": name, "fields": fields}).to_string()
}

/// Encodes a JSON object with a schema from [`infer_schema`].
pub fn encode(schema: &Schema, payload: &Json) -> Result<Vec<u8>, String> {
    let Schema::Record(rec) = schema else {
        return Err("not a record schema".into());
    };
    let obj = payload.as_object();
    let mut out = Vec::with_capacity(rec.fields.len());
    for f in &rec.fields {
        let v = obj.and_then(|o| o.get(&f.name)).unwrap_or(&Json::Null);
        let branch = match &f.schema {
            Schema::Union(u) => u.variants().get(1).cloned().unwrap_or(Schema::Null),
            other => other.clone(),
        };
        let value = match (v, &branch) {
            (Json::Null, _) => Value::Union(0, Box::new(Value::Null)),
            (Json::Bool(b), Schema::Boolean) => Value::Union(1, Box::new(Value::Boolean(*b))),
            (Json::Number(n), Schema::Long) if n.is_i64() => {
                Value::Union(1, Box::new(Value::Long(n.as_i64().unwrap_or(0))))
            }
            (Json::Number(n), Schema::Double) => {
                Value::Union(1, Box::new(Value::Double(n.as_f64().unwrap_or(0.0))))
            }
            (Json::String(s), Schema::String) => {
                Value::Union(1, Box::new(Value::String(s.clone())))
            }
            (other, Schema::String) => Value::Union(1, Box::new(Value::String(other.to_string()))),
            (other, t) => return Err(format!("field {}: {other} is not a {t:?}", f.name)),
        };
        out.push((f.name.clone(), value));
    }
    apache_avro::to_avro_datum(schema, Value::Record(out)).map_err(|e| e.to_string())
}
