//! The decoding flags (`--schema-registry`, `--avro-schema`, `--proto`):
//! resolved into one decoder, checked before anything else happens. Builds the
//! decoder only: must not decode records itself (that is `kord::decode`) or
//! show registry credentials.

use super::args::PayloadArgs;
use super::UsageError;
use kord::decode::proto::Proto;
use kord::decode::{Compiled, Decoder};
use kord::source::registry::{Registry, RegistryConfig};
use std::sync::Arc;

/// The registry URL a command uses: the flag, else a configured default
/// (a cluster's `schema_registry`, when there is a cluster config).
pub fn registry_url(flag: Option<&str>, configured: Option<&str>) -> Option<String> {
    flag.or(configured)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

/// A started registry client: options checked and the registry reached
/// (an unreachable one is a usage error, exit 2, before the screen opens).
pub fn registry(url: &str, props: &[String]) -> anyhow::Result<Registry> {
    let reg = registry_unchecked(url, props)?;
    reg.check().map_err(UsageError)?;
    Ok(reg)
}

/// A registry client with its options checked, not yet reached.
fn registry_unchecked(url: &str, props: &[String]) -> anyhow::Result<Registry> {
    let cfg = RegistryConfig::new(url, props).map_err(UsageError)?;
    Registry::new(cfg).map_err(|e| UsageError(e).into())
}

/// The decoder of a command's payload flags (`configured`: a registry URL
/// from configuration, used when the flag is absent). With nothing set it
/// is inactive (records are read as they are) until a recording's own
/// schema lines arrive. Also installed for the inspector.
pub fn decoder(p: &PayloadArgs, configured: Option<&str>) -> anyhow::Result<Option<Arc<Decoder>>> {
    let mut d = Decoder::new();
    if let Some(url) = registry_url(p.schema_registry.as_deref(), None) {
        d = d.with_lookup(Arc::new(registry(&url, &p.registry_property)?));
    } else if let Some(url) = registry_url(None, configured) {
        // A cluster's default registry is not required to answer at start: a
        // topic may hold no framed records; if it does and the registry is
        // down, each such record says so (kept, counted `unparsed`).
        d = d.with_lookup(Arc::new(registry_unchecked(&url, &p.registry_property)?));
    } else if !p.registry_property.is_empty() {
        return Err(UsageError("--registry-property needs --schema-registry URL".into()).into());
    }
    if let Some(f) = &p.avro_schema {
        let text = std::fs::read_to_string(f)
            .map_err(|e| UsageError(format!("{}: cannot read: {e}", f.display())))?;
        let c =
            Compiled::avro(&text, &[]).map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
        d = d.with_value_schema(c);
    }
    if let (Some(f), Some(m)) = (&p.proto, &p.proto_message) {
        let dir = f
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let fds = protox::compile([&name], [dir])
            .map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
        let pool = prost_reflect::DescriptorPool::from_file_descriptor_set(fds)
            .map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
        let proto = Proto::from_pool(pool, &name, Some(m))
            .map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
        d = d.with_value_schema(Compiled::protobuf(proto));
    }
    let d = Arc::new(d);
    kord::decode::set_session(Some(d.clone()));
    Ok(Some(d))
}
