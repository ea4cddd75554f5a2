//! A Confluent-compatible schema registry client (blocking, `ureq`): the
//! [`SchemaLookup`] the decoding stage asks for schemas it does not know.
//!
//! Options are named as the Confluent clients name them
//! (`--registry-property KEY=VALUE`): `basic.auth.user.info` (`USER:PASS`,
//! with `basic.auth.credentials.source` `USER_INFO`, the default),
//! `bearer.auth.token`, `ssl.ca.location` (a PEM file of CA certificates),
//! and kord's `timeout` (e.g. `5s`). Credentials are never logged, shown
//! in errors or written into recordings. Must not import the terminal, the TUI
//! or Kafka.

use crate::decode::{Format, Reference, SchemaDoc, SchemaLookup};
use std::time::Duration;

/// How to reach a registry.
#[derive(Clone, Default)]
pub struct RegistryConfig {
    /// Base URL, without a trailing `/`.
    pub url: String,
    /// (key, value) options as the Confluent clients name them.
    pub props: Vec<(String, String)>,
}

impl std::fmt::Debug for RegistryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Property values may be secrets: names only.
        let keys: Vec<&str> = self.props.iter().map(|(k, _)| k.as_str()).collect();
        write!(f, "RegistryConfig({}, {keys:?})", self.describe())
    }
}

/// The options a registry understands.
const KNOWN: &[&str] = &[
    "basic.auth.user.info",
    "basic.auth.credentials.source",
    "bearer.auth.token",
    "bearer.auth.credentials.source",
    "ssl.ca.location",
    "timeout",
];

impl RegistryConfig {
    /// A registry at `url` with `KEY=VALUE` options; errors name the option.
    pub fn new(url: &str, props: &[String]) -> Result<RegistryConfig, String> {
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "--schema-registry {url:?}: an http:// or https:// URL is needed"
            ));
        }
        let mut out = Vec::new();
        // `http://USER:PASS@host`: the user info is basic auth, kept out of the URL.
        let mut url = url;
        if let Some((scheme, rest)) = url.clone().split_once("://") {
            let host_end = rest.find('/').unwrap_or(rest.len());
            if let Some(at) = rest[..host_end].rfind('@') {
                out.push(("basic.auth.user.info".to_string(), rest[..at].to_string()));
                url = format!("{scheme}://{}", &rest[at + 1..]);
            }
        }
        for p in props {
            let Some((k, v)) = p.split_once('=') else {
                return Err(format!("--registry-property {p:?}: KEY=VALUE expected"));
            };
            let k = k.trim();
            if !KNOWN.contains(&k) {
                return Err(format!(
                    "--registry-property: unknown option {k:?} (known: {})",
                    KNOWN.join(", ")
                ));
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(RegistryConfig { url, props: out })
    }

    fn prop(&self, k: &str) -> Option<&str> {
        self.props
            .iter()
            .rev()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
    }

    /// The URL (user info was moved out of it).
    pub fn describe(&self) -> String {
        self.url.clone()
    }
}

/// A registry client; caches nothing itself (the decoder caches per id).
pub struct Registry {
    cfg: RegistryConfig,
    agent: ureq::Agent,
    auth: Option<String>,
    timeout: Duration,
}

impl Registry {
    /// A client for `cfg` (reads the CA file; does not connect yet).
    pub fn new(cfg: RegistryConfig) -> Result<Registry, String> {
        use base64::Engine as _;
        let timeout = match cfg.prop("timeout") {
            Some(t) => crate::source::kafka::parse_duration(t)
                .map_err(|m| format!("--registry-property timeout: {m}"))?,
            None => Duration::from_secs(5),
        };
        let auth = if let Some(t) = cfg.prop("bearer.auth.token") {
            Some(format!("Bearer {t}"))
        } else if let Some(ui) = cfg.prop("basic.auth.user.info") {
            if !ui.contains(':') {
                return Err(
                    "--registry-property basic.auth.user.info: USER:PASSWORD expected".into(),
                );
            }
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(ui)
            ))
        } else {
            None
        };
        let mut tls = ureq::tls::TlsConfig::builder().provider(ureq::tls::TlsProvider::NativeTls);
        if let Some(ca) = cfg.prop("ssl.ca.location") {
            let pem = std::fs::read(ca)
                .map_err(|e| format!("--registry-property ssl.ca.location {ca}: {e}"))?;
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(format!(
                    "--registry-property ssl.ca.location {ca}: no PEM certificate in it"
                ));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)));
        } else {
            tls = tls.root_certs(ureq::tls::RootCerts::PlatformVerifier);
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .tls_config(tls.build())
            .build()
            .into();
        Ok(Registry {
            cfg,
            agent,
            auth,
            timeout,
        })
    }

    /// GET `path`: the JSON body of a 2xx answer, or why not.
    fn get(&self, path: &str) -> Result<serde_json::Value, Failure> {
        let url = format!("{}{path}", self.cfg.url);
        let mut req = self.agent.get(&url).header(
            "Accept",
            "application/vnd.schemaregistry.v1+json, application/json",
        );
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req
            .call()
            .map_err(|e| Failure::Transport(self.transport(e)))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| Failure::Transport(self.transport(e)))?;
        let json: Result<serde_json::Value, _> = serde_json::from_str(&body);
        if status == 404 {
            return Err(Failure::NotFound);
        }
        if !(200..300).contains(&status) {
            let msg = json
                .ok()
                .and_then(|j| {
                    j.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| short(&body));
            return Err(Failure::Status(status, msg));
        }
        json.map_err(|e| Failure::Garbage(format!("{e}: {}", short(&body))))
    }

    fn transport(&self, e: ureq::Error) -> String {
        match e {
            ureq::Error::Timeout(_) => {
                format!("gave no answer within {:.1}s", self.timeout.as_secs_f64())
            }
            other => format!("could not be reached: {other}"),
        }
    }

    /// Checks that the registry answers (`GET /subjects`): the start-up
    /// check, so an unreachable registry is an error before the screen opens.
    pub fn check(&self) -> Result<(), String> {
        match self.get("/subjects") {
            Ok(_) => Ok(()),
            Err(f) => Err(format!(
                "schema registry {}: {}",
                self.cfg.describe(),
                f.describe()
            )),
        }
    }

    /// Registers a schema under `subject`; returns its id.
    pub fn register(&self, subject: &str, format: Format, schema: &str) -> Result<u32, String> {
        let url = format!("{}/subjects/{}/versions", self.cfg.url, subject);
        let mut body = serde_json::json!({ "schema": schema });
        if format != Format::Avro {
            body["schemaType"] = serde_json::to_value(format).unwrap_or_default();
        }
        let mut req = self
            .agent
            .post(&url)
            .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        let what = || {
            format!(
                "schema registry {}: register {subject}",
                self.cfg.describe()
            )
        };
        let mut resp = req
            .send(body.to_string().as_bytes())
            .map_err(|e| format!("{}: {}", what(), self.transport(e)))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{}: {}", what(), self.transport(e)))?;
        if !(200..300).contains(&status) {
            return Err(format!("{}: answered {status}: {}", what(), short(&text)));
        }
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_u64()))
            .map(|i| i as u32)
            .ok_or_else(|| format!("{}: no id in the answer: {}", what(), short(&text)))
    }
}

enum Failure {
    NotFound,
    Status(u16, String),
    Garbage(String),
    Transport(String),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::NotFound => "answered 404 (not found)".into(),
            Failure::Status(s, m) => format!("answered {s}: {m}"),
            Failure::Garbage(m) => format!("answered with something that is not JSON: {m}"),
            Failure::Transport(m) => m.clone(),
        }
    }
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.len() > 80 {
        let mut end = 80;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// A registry answer's schema fields.
fn doc_from(id: u32, v: &serde_json::Value) -> Result<SchemaDoc, String> {
    let schema = v
        .get("schema")
        .and_then(|s| s.as_str())
        .ok_or("the answer has no `schema` string")?
        .to_string();
    let format = match v.get("schemaType").and_then(|t| t.as_str()) {
        None | Some("AVRO") => Format::Avro,
        Some("PROTOBUF") => Format::Protobuf,
        Some("JSON") => Format::Json,
        Some(other) => return Err(format!("unknown schemaType {other:?}")),
    };
    let references = match v.get("references") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(r) => serde_json::from_value::<Vec<Reference>>(r.clone())
            .map_err(|e| format!("bad `references`: {e}"))?,
    };
    Ok(SchemaDoc {
        id,
        format,
        schema,
        subject: v
            .get("subject")
            .and_then(|s| s.as_str())
            .map(str::to_string),
        references,
    })
}

impl SchemaLookup for Registry {
    fn by_id(&self, id: u32) -> Result<SchemaDoc, String> {
        let v = self
            .get(&format!("/schemas/ids/{id}"))
            .map_err(|f| match f {
                Failure::NotFound => format!("schema {id}: not in the registry"),
                f => format!("schema {id}: the registry {}", f.describe()),
            })?;
        let mut doc = doc_from(id, &v).map_err(|e| format!("schema {id}: registry answer: {e}"))?;
        if doc.subject.is_none() {
            // The subject, for the inspector; optional.
            if let Ok(serde_json::Value::Array(vs)) =
                self.get(&format!("/schemas/ids/{id}/versions"))
            {
                doc.subject = vs
                    .first()
                    .and_then(|x| x.get("subject"))
                    .and_then(|s| s.as_str())
                    .map(str::to_string);
            }
        }
        Ok(doc)
    }

    fn reference(&self, r: &Reference) -> Result<SchemaDoc, String> {
        let v = self
            .get(&format!("/subjects/{}/versions/{}", r.subject, r.version))
            .map_err(|f| match f {
                Failure::NotFound => "not in the registry".to_string(),
                f => format!("the registry {}", f.describe()),
            })?;
        let id = v
            .get("id")
            .and_then(|i| i.as_u64())
            .ok_or("the registry answer has no id")? as u32;
        let mut d = doc_from(id, &v)?;
        d.subject.get_or_insert_with(|| r.subject.clone());
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_and_secrets_stay_out_of_debug() {
        let c = RegistryConfig::new(
            "http://u:secret@localhost:8081/",
            &["basic.auth.user.info=u:secret".into()],
        )
        .unwrap();
        assert_eq!(c.describe(), "http://localhost:8081");
        assert!(!format!("{c:?}").contains("secret"));
        assert!(RegistryConfig::new("localhost:8081", &[]).is_err());
        let e = RegistryConfig::new("http://x", &["sasl.password=p".into()]).unwrap_err();
        assert!(e.contains("unknown option"), "{e}");
    }
}
