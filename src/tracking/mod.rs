//! The I/O side of container tracking: who we ask where a container is, and what they say.
//!
//! * [`TrackingProvider`]: the one interface the refresh job and the routes use, as an
//!   `Arc<dyn TrackingProvider>`.
//! * [`jsoncargo`]: a JSONCargo-style HTTP provider (API key, retries with backoff, strict
//!   timeouts, tolerant parsing).
//! * [`simulated`]: a built-in provider that plays a believable voyage, so a demo without a
//!   key is alive.
//! * [`live`]: what every provider answers — the predecessor's normalized payload
//!   ([`LiveStatus`]) and the events it implies ([`ProviderEvent`]), without the upstream
//!   `raw_data` the predecessor leaked.
//! * [`config`]: `TRACKING_*` settings and building the configured provider.
//! * [`apply`]: what a report (a webhook's, a provider's) does to one shipment.
//! * [`refresh`]: asking the provider about a shipment (by hand, or on the job queue).
//!
//! What a provider is asked is already valid: a [`ContainerNumber`] or a [`BillOfLading`]
//! (the predecessor put unchecked path parameters into upstream URLs). The domain rules
//! for what an event does to a shipment live in [`crate::domain::tracking`].

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::tracking::carrier::Carrier;
use crate::domain::tracking::BillOfLading;
use crate::domain::{ContainerNumber, UnLocode};

pub mod apply;
pub mod config;
pub mod jsoncargo;
pub mod live;
pub mod refresh;
mod retry;
pub mod simulated;

pub use config::{ProviderChoice, TrackingConfigError, TrackingSettings};
pub use jsoncargo::{JsonCargoClient, JsonCargoOptions};
pub use live::{
    CurrentLocation, Destination, LiveStatus, NextLocation, Origin, ProviderEvent, Vessel,
};
pub use retry::RetryPolicy;
pub use simulated::SimulatedProvider;

/// A container tracking service. Implementations are cheap to share (`Arc<dyn …>`) and
/// safe to call from many tasks at once.
#[async_trait]
pub trait TrackingProvider: Send + Sync + 'static {
    /// The provider's name as logs and the usage route show it (`"jsoncargo"`, `"simulated"`).
    fn name(&self) -> &'static str;

    /// Where the container is now. `Ok(None)`: the provider does not know it (yet).
    async fn container(&self, query: &ContainerQuery) -> Result<Option<LiveStatus>, ProviderError>;

    /// What the provider knows under a bill of lading, for the line that issued it.
    async fn bill_of_lading(
        &self,
        bl: &BillOfLading,
        carrier: Carrier,
    ) -> Result<Option<LiveStatus>, ProviderError>;

    /// The account's usage (requests made and left), as a small JSON object of known fields
    /// with `"provider"` naming the provider.
    async fn usage(&self) -> Result<serde_json::Value, ProviderError>;
}

/// A question about one container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerQuery {
    pub container: ContainerNumber,
    /// The line to ask for. `None`: providers fall back to the container's owner prefix.
    pub carrier: Option<Carrier>,
    /// What our shipment row already knows about the voyage.
    pub hint: VoyageHint,
}

impl ContainerQuery {
    /// A query for `container`, its line read from the owner prefix, with no hint.
    pub fn new(container: ContainerNumber) -> Self {
        let carrier = Carrier::of_container(&container);
        Self {
            container,
            carrier,
            hint: VoyageHint::default(),
        }
    }

    /// The line to ask for: the one given, else the owner prefix's.
    pub fn effective_carrier(&self) -> Option<Carrier> {
        self.carrier
            .or_else(|| Carrier::of_container(&self.container))
    }
}

/// What a shipment row knows about its voyage. The simulated provider builds its voyage
/// around it; an HTTP provider has no use for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoyageHint {
    /// Port of loading.
    pub pol: Option<Port>,
    /// Port of discharge.
    pub pod: Option<Port>,
    /// Planned departure.
    pub etd: Option<DateTime<Utc>>,
    pub vessel: Option<String>,
    pub voyage: Option<String>,
}

/// A port as a shipment row has it: a UN/LOCODE and a name, either possibly missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub code: Option<UnLocode>,
    pub name: Option<String>,
}

impl Port {
    /// A port from a row's code and name columns: a code that is not a UN/LOCODE is left
    /// out, blank names are none, and a port with neither is no port.
    pub fn from_row(code: Option<&str>, name: Option<&str>) -> Option<Port> {
        let code = code.and_then(|c| UnLocode::parse(c).ok());
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        (code.is_some() || name.is_some()).then_some(Port { code, name })
    }
}

/// Why a provider could not answer. Messages are written for an operator and never carry
/// the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("tracking provider timed out after {}", human_duration(*.after))]
    Timeout { after: Duration },
    #[error("tracking provider unavailable (HTTP {status}) after retrying; try again later")]
    Unavailable { status: u16 },
    #[error("tracking provider refused the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("tracking provider sent an answer we cannot read: {0}")]
    Malformed(String),
    #[error("could not reach the tracking provider: {0}")]
    Transport(String),
    #[error("no tracking provider is configured (TRACKING_PROVIDER=off)")]
    NotConfigured,
}

impl ProviderError {
    /// The HTTP status a route answers for this failure: the provider, not our caller, is
    /// at fault (502/503/504).
    pub fn http_status(&self) -> u16 {
        match self {
            ProviderError::Timeout { .. } => 504,
            ProviderError::Unavailable { .. } | ProviderError::NotConfigured => 503,
            ProviderError::Rejected { .. }
            | ProviderError::Malformed(_)
            | ProviderError::Transport(_) => 502,
        }
    }
}

/// `10 s`, `1.5 s`, `250 ms`: how an operator reads a timeout.
pub(crate) fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_well_for_an_operator() {
        let timeout = ProviderError::Timeout {
            after: Duration::from_secs(10),
        };
        assert_eq!(
            timeout.to_string(),
            "tracking provider timed out after 10 s"
        );
        let short = ProviderError::Timeout {
            after: Duration::from_millis(250),
        };
        assert_eq!(
            short.to_string(),
            "tracking provider timed out after 250 ms"
        );
        assert_eq!(
            human_duration(Duration::from_millis(1500)),
            "1.5 s".to_string()
        );
        assert_eq!(
            ProviderError::Unavailable { status: 503 }.to_string(),
            "tracking provider unavailable (HTTP 503) after retrying; try again later"
        );
        assert_eq!(
            ProviderError::Rejected {
                status: 401,
                message: "invalid API key".into()
            }
            .to_string(),
            "tracking provider refused the request (HTTP 401): invalid API key"
        );
        assert_eq!(timeout.http_status(), 504);
        assert_eq!(ProviderError::NotConfigured.http_status(), 503);
        assert_eq!(ProviderError::Malformed("x".into()).http_status(), 502);
    }

    #[test]
    fn a_query_reads_the_line_from_the_prefix_unless_told() {
        let number = ContainerNumber::parse("MSKU9070323").unwrap();
        let query = ContainerQuery::new(number.clone());
        assert_eq!(query.carrier, Some(Carrier::Maersk));
        let told = ContainerQuery {
            carrier: Some(Carrier::Msc),
            ..query.clone()
        };
        assert_eq!(told.effective_carrier(), Some(Carrier::Msc));
        let unset = ContainerQuery {
            carrier: None,
            ..query
        };
        assert_eq!(unset.effective_carrier(), Some(Carrier::Maersk));
    }

    #[test]
    fn ports_from_rows_keep_what_is_usable() {
        let port = Port::from_row(Some("de ham"), Some(" Hamburg ")).unwrap();
        assert_eq!(port.code.unwrap().as_str(), "DEHAM");
        assert_eq!(port.name.as_deref(), Some("Hamburg"));
        let named = Port::from_row(Some("not a code"), Some("Lagos")).unwrap();
        assert_eq!(named.code, None);
        assert_eq!(Port::from_row(None, Some("  ")), None);
        assert_eq!(Port::from_row(Some("??"), None), None);
    }
}
