//! `TRACKING_*` settings: which provider, how to reach it, how often to refresh.
//!
//! | variable | default | |
//! |---|---|---|
//! | `TRACKING_PROVIDER` | `simulated`, or `off` in production | `jsoncargo`, `simulated` or `off` |
//! | `TRACKING_API_URL` | `https://api.jsoncargo.com/api/v1` | http(s); https in production |
//! | `TRACKING_API_KEY` | — | required for `jsoncargo`; `JSONCARGO_API_KEY` (the predecessor's name) also read |
//! | `TRACKING_TIMEOUT_SECONDS` | 30 | whole request, 1–300 |
//! | `TRACKING_REFRESH_MINUTES` | 60 | scheduled refresh interval, 1–10080 |
//! | `TRACKING_SIMULATION_SPEED` | 1 | simulated seconds per real second, up to 1,000,000 |
//! | `TRACKING_RATE_PER_MINUTE` | 60 | calls to the provider per minute, all instances together |
//!
//! Production defaults to `off` rather than to the simulation: made-up voyages must never
//! be mistaken for real ones. Messages name the variable, never the key.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::jsoncargo::{self, JsonCargoClient, JsonCargoOptions};
use super::simulated::{SimulatedProvider, MAX_SPEED};
use super::{RetryPolicy, TrackingProvider};

/// Which provider answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderChoice {
    JsonCargo,
    Simulated,
    Off,
}

impl ProviderChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderChoice::JsonCargo => "jsoncargo",
            ProviderChoice::Simulated => "simulated",
            ProviderChoice::Off => "off",
        }
    }
}

/// The tracking settings, checked.
#[derive(Clone, PartialEq)]
pub struct TrackingSettings {
    pub provider: ProviderChoice,
    pub api_url: String,
    pub api_key: Option<String>,
    pub request_timeout: Duration,
    pub refresh_minutes: u32,
    pub simulation_speed: f64,
    /// Calls per minute, shared by every instance.
    pub rate_per_minute: u32,
}

impl fmt::Debug for TrackingSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackingSettings")
            .field("provider", &self.provider)
            .field("api_url", &self.api_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("request_timeout", &self.request_timeout)
            .field("refresh_minutes", &self.refresh_minutes)
            .field("simulation_speed", &self.simulation_speed)
            .field("rate_per_minute", &self.rate_per_minute)
            .finish()
    }
}

/// A tracking setting that cannot work; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TrackingConfigError(pub String);

impl TrackingSettings {
    /// Reads the settings through `lookup` (the environment, or a map in tests). Blank
    /// values count as unset.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        production: bool,
    ) -> Result<Self, TrackingConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let refuse = |text: String| Err(TrackingConfigError(text));

        let provider = match get("TRACKING_PROVIDER").map(|v| v.to_ascii_lowercase()) {
            None if production => ProviderChoice::Off,
            None => ProviderChoice::Simulated,
            Some(v) if v == "jsoncargo" => ProviderChoice::JsonCargo,
            Some(v) if v == "simulated" => ProviderChoice::Simulated,
            Some(v) if v == "off" => ProviderChoice::Off,
            Some(_) => {
                return refuse("TRACKING_PROVIDER must be jsoncargo, simulated or off".into())
            }
        };
        let api_url = get("TRACKING_API_URL").unwrap_or_else(|| jsoncargo::DEFAULT_BASE_URL.into());
        let url = jsoncargo::parse_base_url(&api_url).map_err(TrackingConfigError)?;
        if production && provider == ProviderChoice::JsonCargo && url.scheme() != "https" {
            return refuse("TRACKING_API_URL must use https in production: the API key travels with every request".into());
        }
        let api_key = get("TRACKING_API_KEY").or_else(|| get("JSONCARGO_API_KEY"));
        if provider == ProviderChoice::JsonCargo && api_key.is_none() {
            return refuse("TRACKING_API_KEY is required when TRACKING_PROVIDER=jsoncargo".into());
        }
        if api_key
            .as_deref()
            .is_some_and(|k| k.chars().any(|c| c.is_control() || c == ' ') || !k.is_ascii())
        {
            return refuse("TRACKING_API_KEY must be printable ASCII without spaces".into());
        }
        let seconds = number(
            get("TRACKING_TIMEOUT_SECONDS"),
            30,
            1..=300,
            "TRACKING_TIMEOUT_SECONDS",
        )?;
        let refresh_minutes = number(
            get("TRACKING_REFRESH_MINUTES"),
            60,
            1..=10_080,
            "TRACKING_REFRESH_MINUTES",
        )?;
        let rate_per_minute = number(
            get("TRACKING_RATE_PER_MINUTE"),
            60,
            1..=1_000_000,
            "TRACKING_RATE_PER_MINUTE",
        )?;
        let simulation_speed = match get("TRACKING_SIMULATION_SPEED") {
            None => 1.0,
            Some(text) => match text.parse::<f64>() {
                Ok(speed) if speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED => speed,
                _ => {
                    return refuse(format!(
                        "TRACKING_SIMULATION_SPEED must be a number above 0 and at most {MAX_SPEED}"
                    ))
                }
            },
        };
        Ok(Self {
            provider,
            api_url: url.to_string(),
            api_key,
            request_timeout: Duration::from_secs(seconds.into()),
            refresh_minutes,
            simulation_speed,
            rate_per_minute,
        })
    }

    /// The configured provider; `None` when tracking is off.
    pub fn build(&self) -> Result<Option<Arc<dyn TrackingProvider>>, TrackingConfigError> {
        match self.provider {
            ProviderChoice::Off => Ok(None),
            ProviderChoice::Simulated => Ok(Some(Arc::new(SimulatedProvider::new(
                self.simulation_speed,
            )))),
            ProviderChoice::JsonCargo => {
                let client = JsonCargoClient::new(JsonCargoOptions {
                    base_url: self.api_url.clone(),
                    api_key: self.api_key.clone().unwrap_or_default(),
                    request_timeout: self.request_timeout,
                    retry: RetryPolicy::default(),
                })
                .map_err(|e| TrackingConfigError(format!("tracking provider: {e}")))?;
                Ok(Some(Arc::new(client)))
            }
        }
    }
}

/// A whole number within `range`, or `default` when unset.
fn number(
    value: Option<String>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
    name: &str,
) -> Result<u32, TrackingConfigError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(TrackingConfigError(format!(
            "{name} must be a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(
        vars: &[(&str, &str)],
        production: bool,
    ) -> Result<TrackingSettings, TrackingConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TrackingSettings::from_lookup(|name| map.get(name).cloned(), production)
    }

    fn error(vars: &[(&str, &str)], production: bool) -> String {
        read(vars, production).unwrap_err().to_string()
    }

    #[test]
    fn defaults_simulate_in_development_and_stay_off_in_production() {
        let dev = read(&[], false).unwrap();
        assert_eq!(dev.provider, ProviderChoice::Simulated);
        assert_eq!(dev.api_url, "https://api.jsoncargo.com/api/v1");
        assert_eq!(dev.api_key, None);
        assert_eq!(dev.request_timeout, Duration::from_secs(30));
        assert_eq!(dev.refresh_minutes, 60);
        assert_eq!(dev.simulation_speed, 1.0);
        assert_eq!(read(&[], true).unwrap().provider, ProviderChoice::Off);
        assert_eq!(
            read(&[("TRACKING_PROVIDER", "  ")], true).unwrap().provider,
            ProviderChoice::Off
        );
    }

    #[test]
    fn every_variable_is_read() {
        let settings = read(
            &[
                ("TRACKING_PROVIDER", "JsonCargo"),
                ("TRACKING_API_URL", "https://tracking.example/v2/"),
                ("TRACKING_API_KEY", "k-123"),
                ("TRACKING_TIMEOUT_SECONDS", "12"),
                ("TRACKING_REFRESH_MINUTES", "15"),
                ("TRACKING_SIMULATION_SPEED", "3600"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(settings.provider, ProviderChoice::JsonCargo);
        assert_eq!(settings.api_url, "https://tracking.example/v2/");
        assert_eq!(settings.api_key.as_deref(), Some("k-123"));
        assert_eq!(settings.request_timeout, Duration::from_secs(12));
        assert_eq!(settings.refresh_minutes, 15);
        assert_eq!(settings.simulation_speed, 3600.0);
        assert_eq!(
            read(&[("TRACKING_PROVIDER", "simulated")], true)
                .unwrap()
                .provider,
            ProviderChoice::Simulated
        );
        assert_eq!(
            read(&[("TRACKING_PROVIDER", "off")], false)
                .unwrap()
                .provider,
            ProviderChoice::Off
        );
    }

    #[test]
    fn jsoncargo_needs_a_key_and_takes_the_predecessors_name_too() {
        assert_eq!(
            error(&[("TRACKING_PROVIDER", "jsoncargo")], false),
            "TRACKING_API_KEY is required when TRACKING_PROVIDER=jsoncargo"
        );
        let legacy = read(
            &[
                ("TRACKING_PROVIDER", "jsoncargo"),
                ("JSONCARGO_API_KEY", "old"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(legacy.api_key.as_deref(), Some("old"));
        let both = read(
            &[
                ("TRACKING_PROVIDER", "jsoncargo"),
                ("JSONCARGO_API_KEY", "old"),
                ("TRACKING_API_KEY", "new"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(both.api_key.as_deref(), Some("new"));
        let spaced = error(
            &[
                ("TRACKING_PROVIDER", "jsoncargo"),
                ("TRACKING_API_KEY", "a b"),
            ],
            false,
        );
        assert!(spaced.starts_with("TRACKING_API_KEY must be"), "{spaced}");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("TRACKING_PROVIDER", "vizion"),
            ("TRACKING_API_URL", "ftp://x"),
            ("TRACKING_API_URL", "https://user:secret@x/api"),
            ("TRACKING_TIMEOUT_SECONDS", "0"),
            ("TRACKING_TIMEOUT_SECONDS", "ten"),
            ("TRACKING_TIMEOUT_SECONDS", "301"),
            ("TRACKING_REFRESH_MINUTES", "0"),
            ("TRACKING_REFRESH_MINUTES", "-5"),
            ("TRACKING_SIMULATION_SPEED", "0"),
            ("TRACKING_SIMULATION_SPEED", "-1"),
            ("TRACKING_SIMULATION_SPEED", "NaN"),
            ("TRACKING_SIMULATION_SPEED", "inf"),
            ("TRACKING_SIMULATION_SPEED", "1e9"),
        ];
        for (name, value) in cases {
            let message = error(&[(name, value)], false);
            assert!(message.starts_with(name), "{name}={value}: {message}");
            assert!(!message.contains("secret"), "{message}");
        }
        let plain = error(
            &[
                ("TRACKING_PROVIDER", "jsoncargo"),
                ("TRACKING_API_KEY", "k"),
                ("TRACKING_API_URL", "http://tracking.example/api"),
            ],
            true,
        );
        assert!(
            plain.starts_with("TRACKING_API_URL must use https"),
            "{plain}"
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        let settings = read(
            &[
                ("TRACKING_PROVIDER", "jsoncargo"),
                ("TRACKING_API_KEY", "very-secret"),
            ],
            false,
        )
        .unwrap();
        let shown = format!("{settings:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn build_makes_the_chosen_provider() {
        let off = read(&[("TRACKING_PROVIDER", "off")], false).unwrap();
        assert!(off.build().unwrap().is_none());
        let simulated = read(&[], false).unwrap().build().unwrap().unwrap();
        assert_eq!(simulated.name(), "simulated");
        let http = read(
            &[
                ("TRACKING_PROVIDER", "jsoncargo"),
                ("TRACKING_API_KEY", "k"),
            ],
            false,
        )
        .unwrap()
        .build()
        .unwrap()
        .unwrap();
        assert_eq!(http.name(), "jsoncargo");
    }
}
