//! A built-in provider that plays a believable voyage, so a demo without an API key has
//! containers that move.
//!
//! Everything follows from the container number (its SHA-256 picks durations, ports,
//! vessels) and the shipment's hint, so the same question at the same moment always gets
//! the same answer, and an event once reported keeps its time and its id
//! (`SIM-<container>-<step>`). The voyage, about 25 days:
//!
//! | step | event | where |
//! |---|---|---|
//! | 0 | booking confirmed | port of loading (hint, else Apapa `NGAPP`) |
//! | 1 | gate in | port of loading |
//! | 2 | loaded | port of loading, first vessel |
//! | 3 | departed | port of loading (at the hint's ETD when there is one) |
//! | 4 | transshipment | Tangier Med `MAPTM` or Algeciras `ESALG`, after 10–12 days |
//! | 5 | departed | the hub, second vessel |
//! | 6 | arrived | port of discharge (hint, else Hamburg, Rotterdam or Antwerp) |
//! | 7 | discharged | port of discharge |
//! | 8 | gate out | port of discharge |
//! | 9 | delivered | port of discharge |
//!
//! Only events whose time has come are reported; before the booking the provider knows
//! nothing (`None`). The ETA is the planned arrival; for one container in three the second
//! leg runs a day late, which becomes known halfway through the first leg, so ETA-change
//! notifications have something to announce.
//!
//! Time: with an ETD hint, the voyage starts about two days before it. Without one, voyages
//! repeat every 30 days, each container at its own phase, so it is always somewhere within
//! its current voyage (or resting after delivery). `speed` is simulated seconds per real
//! second: at 3600 a whole voyage plays in about ten minutes.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sha2::{Digest, Sha256};

use crate::domain::tracking::carrier::Carrier;
use crate::domain::tracking::{BillOfLading, EventType};
use crate::domain::{ContainerNumber, EquipmentCategory};
use crate::tracking::live::{
    clean_text, external_id, CurrentLocation, Destination, LiveStatus, NextLocation, Origin,
    ProviderEvent, Vessel, MAX_TEXT_CHARS, MAX_VESSEL_CHARS, MAX_VOYAGE_CHARS,
};
use crate::tracking::{ContainerQuery, Port, ProviderError, TrackingProvider, VoyageHint};

/// The fastest simulation accepted (a 25-day voyage in about two seconds).
pub const MAX_SPEED: f64 = 1_000_000.0;
/// Voyages without an ETD repeat with this period (simulated days).
const CYCLE_DAYS: i64 = 30;
/// How late a slipping voyage arrives (simulated hours).
const SLIP_HOURS: f64 = 24.0;

/// Ports the simulation knows by name.
const PORT_NAMES: [(&str, &str); 6] = [
    ("NGAPP", "Apapa, Lagos"),
    ("MAPTM", "Tangier Med"),
    ("ESALG", "Algeciras"),
    ("DEHAM", "Hamburg"),
    ("NLRTM", "Rotterdam"),
    ("BEANR", "Antwerp"),
];
const DEFAULT_POL: &str = "NGAPP";
const HUBS: [&str; 2] = ["MAPTM", "ESALG"];
const DESTINATIONS: [&str; 3] = ["DEHAM", "NLRTM", "BEANR"];
const VESSELS: [&str; 8] = [
    "ATLANTIC PIONEER",
    "GULF OF GUINEA STAR",
    "LAGOS EXPRESS",
    "NORTHERN HARMONY",
    "MERIDIAN TRADER",
    "CAPE PALMAS",
    "SEA FALCON",
    "BIGHT OF BENIN",
];
const CONTAINER_TYPES: [&str; 3] = ["20' Dry", "40' Dry", "40' High Cube"];

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The simulated provider.
pub struct SimulatedProvider {
    speed: f64,
    clock: Clock,
    calls: AtomicU64,
}

impl fmt::Debug for SimulatedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedProvider")
            .field("speed", &self.speed)
            .finish_non_exhaustive()
    }
}

impl Default for SimulatedProvider {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl SimulatedProvider {
    /// A simulation at `speed` simulated seconds per real second (not finite or not
    /// positive: 1; capped at [`MAX_SPEED`]), on the system clock.
    pub fn new(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed.min(MAX_SPEED)
        } else {
            1.0
        };
        Self {
            speed,
            clock: Arc::new(Utc::now),
            calls: AtomicU64::new(0),
        }
    }

    /// The same simulation on another clock (tests, replays).
    pub fn with_clock(self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self {
            clock: Arc::new(clock),
            ..self
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// What the provider reports about `query` at `now`.
    pub fn status_at(&self, query: &ContainerQuery, now: DateTime<Utc>) -> Option<LiveStatus> {
        let voyage = Voyage::plan(&query.container, &query.hint, self.speed, now);
        voyage.status(query, now)
    }
}

#[async_trait]
impl TrackingProvider for SimulatedProvider {
    fn name(&self) -> &'static str {
        "simulated"
    }

    async fn container(&self, query: &ContainerQuery) -> Result<Option<LiveStatus>, ProviderError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(self.status_at(query, (self.clock)()))
    }

    /// A bill of lading stands for one container of the line's, derived from its number.
    async fn bill_of_lading(
        &self,
        bl: &BillOfLading,
        carrier: Carrier,
    ) -> Result<Option<LiveStatus>, ProviderError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let container = container_for_bill(bl, carrier);
        let query = ContainerQuery {
            container: container.clone(),
            carrier: Some(carrier),
            hint: VoyageHint::default(),
        };
        Ok(self.status_at(&query, (self.clock)()).map(|mut live| {
            live.associated_containers = vec![container];
            live
        }))
    }

    async fn usage(&self) -> Result<serde_json::Value, ProviderError> {
        Ok(serde_json::json!({
            "provider": "simulated",
            "plan": "built-in simulation (no API key, no quota)",
            "requests_made": self.calls.load(Ordering::Relaxed),
            "speed": self.speed,
        }))
    }
}

/// A container number for a bill of lading: the line's usual owner code, a serial from
/// the bill's hash.
fn container_for_bill(bl: &BillOfLading, carrier: Carrier) -> ContainerNumber {
    let owner: String = carrier
        .code()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .chain("XXX".chars())
        .take(3)
        .collect::<String>()
        .to_ascii_uppercase();
    let seed = digest(bl.as_str());
    let serial = u32::from_be_bytes([0, seed[0], seed[1], seed[2]]) % 1_000_000;
    ContainerNumber::from_parts(&owner, EquipmentCategory::FreightContainer, serial)
        .expect("three ASCII letters and six digits")
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// A port in the simulation.
#[derive(Debug, Clone)]
struct Place {
    code: Option<String>,
    name: String,
}

impl Place {
    fn known(code: &str) -> Place {
        let name = PORT_NAMES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, name)| name);
        Place {
            code: Some(code.to_string()),
            name: name.to_string(),
        }
    }

    /// The hint's port, named by the hint, else by our table, else by its code.
    fn from_hint(port: &Port) -> Option<Place> {
        let code = port.code.as_ref().map(|c| c.as_str().to_string());
        let name = port
            .name
            .as_deref()
            .and_then(|n| clean_text(n, MAX_TEXT_CHARS))
            .or_else(|| code.as_deref().map(|c| Place::known(c).name))?;
        Some(Place { code, name })
    }
}

/// One planned step.
#[derive(Debug, Clone)]
struct Step {
    event_type: EventType,
    place: usize,
    /// 0: none, 1: first vessel, 2: second vessel.
    leg: usize,
    at: DateTime<Utc>,
}

/// A container's whole voyage, times already in real time.
#[derive(Debug)]
struct Voyage {
    places: [Place; 3],
    vessels: [(String, String); 2],
    container_type: &'static str,
    steps: Vec<Step>,
    /// Arrival as first planned, and when the one-day slip (if any) becomes known.
    planned_arrival: DateTime<Utc>,
    slip_known_at: Option<DateTime<Utc>>,
}

const POL: usize = 0;
const HUB: usize = 1;
const POD: usize = 2;
const ARRIVAL_STEP: usize = 6;

impl Voyage {
    fn plan(
        container: &ContainerNumber,
        hint: &VoyageHint,
        speed: f64,
        now: DateTime<Utc>,
    ) -> Self {
        let seed = digest(container.as_str());
        let b = |i: usize| f64::from(seed[i]);
        // Simulated hours from the booking.
        let gate_in = 26.0 + b(1) % 10.0;
        let loaded = gate_in + 12.0 + b(2) % 6.0;
        let departed = loaded + 4.0 + b(3) % 4.0;
        let at_hub = departed + 240.0 + b(4) % 48.0;
        let left_hub = at_hub + 30.0 + b(5) % 24.0;
        let planned_arrival = left_hub + 120.0 + b(6) % 48.0;
        let slips = seed[7].is_multiple_of(3);
        let slip = if slips { SLIP_HOURS } else { 0.0 };
        let arrived = planned_arrival + slip;
        let discharged = arrived + 10.0 + b(8) % 8.0;
        let gate_out = discharged + 30.0 + b(9) % 24.0;
        let delivered = gate_out + 20.0 + b(10) % 20.0;

        let real = |hours: f64| TimeDelta::milliseconds((hours * 3_600_000.0 / speed) as i64);
        // An ETD further back than a whole cycle is history, not a voyage to play (the
        // demo's shipments of last season): such a container cycles like one without.
        let start = match hint.etd {
            Some(etd) if etd + real((CYCLE_DAYS * 24) as f64) > now => etd - real(departed),
            _ => cycle_start(&seed, speed, now),
        };
        let at = |hours: f64| start + real(hours);

        let pol = hint
            .pol
            .as_ref()
            .and_then(Place::from_hint)
            .unwrap_or_else(|| Place::known(DEFAULT_POL));
        let pod = hint
            .pod
            .as_ref()
            .and_then(Place::from_hint)
            .unwrap_or_else(|| Place::known(DESTINATIONS[usize::from(seed[13]) % 3]));
        let ends = [pol.code.as_deref(), pod.code.as_deref()];
        let hub_code = HUBS
            .iter()
            .cycle()
            .skip(usize::from(seed[14]) % 2)
            .take(2)
            .find(|hub| !ends.contains(&Some(**hub)))
            .copied()
            .unwrap_or(HUBS[0]);

        let first_vessel = hint
            .vessel
            .as_deref()
            .and_then(|v| clean_text(v, MAX_VESSEL_CHARS))
            .unwrap_or_else(|| VESSELS[usize::from(seed[11]) % VESSELS.len()].to_string());
        let first_voyage = hint
            .voyage
            .as_deref()
            .and_then(|v| clean_text(v, MAX_VOYAGE_CHARS))
            .unwrap_or_else(|| {
                format!("{}N", 100 + u16::from_be_bytes([seed[15], seed[16]]) % 900)
            });
        let second_vessel = VESSELS
            .iter()
            .cycle()
            .skip(usize::from(seed[12]) % VESSELS.len())
            .find(|v| **v != first_vessel)
            .copied()
            .unwrap_or(VESSELS[0])
            .to_string();
        let second_voyage = format!("{}N", 100 + u16::from_be_bytes([seed[17], seed[18]]) % 900);

        let step = |event_type, place, leg, hours| Step {
            event_type,
            place,
            leg,
            at: at(hours),
        };
        let steps = vec![
            step(EventType::BookingConfirmed, POL, 0, 0.0),
            step(EventType::GateIn, POL, 0, gate_in),
            step(EventType::Loaded, POL, 1, loaded),
            step(EventType::Departed, POL, 1, departed),
            step(EventType::Transshipment, HUB, 1, at_hub),
            step(EventType::Departed, HUB, 2, left_hub),
            step(EventType::Arrived, POD, 2, arrived),
            step(EventType::Discharged, POD, 2, discharged),
            step(EventType::GateOut, POD, 0, gate_out),
            step(EventType::Delivered, POD, 0, delivered),
        ];
        Voyage {
            places: [pol, Place::known(hub_code), pod],
            vessels: [(first_vessel, first_voyage), (second_vessel, second_voyage)],
            container_type: CONTAINER_TYPES[usize::from(seed[19]) % CONTAINER_TYPES.len()],
            steps,
            planned_arrival: at(planned_arrival),
            slip_known_at: slips.then(|| at((departed + at_hub) / 2.0)),
        }
    }

    /// The ETA as known at `now`: the actual arrival once it happened or the slip is known,
    /// the planned one before.
    fn eta(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let arrival = self.steps[ARRIVAL_STEP].at;
        match self.slip_known_at {
            _ if arrival <= now => arrival,
            Some(known) if known <= now => arrival,
            _ => self.planned_arrival,
        }
    }

    /// The time of step `index` as known at `now` (later steps shift with a known slip).
    fn expected_at(&self, index: usize, now: DateTime<Utc>) -> DateTime<Utc> {
        let at = self.steps[index].at;
        if index >= ARRIVAL_STEP {
            at - (self.steps[ARRIVAL_STEP].at - self.eta(now))
        } else {
            at
        }
    }

    fn vessel(&self, leg: usize) -> Option<&(String, String)> {
        leg.checked_sub(1).and_then(|i| self.vessels.get(i))
    }

    fn status(&self, query: &ContainerQuery, now: DateTime<Utc>) -> Option<LiveStatus> {
        let done = self.steps.iter().take_while(|s| s.at <= now).count();
        let last = self.steps.get(done.checked_sub(1)?)?;
        let container = query.container.as_str();
        let events = self.steps[..done]
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let place = &self.places[step.place];
                let vessel = self.vessel(step.leg);
                ProviderEvent {
                    external_id: external_id(&["SIM", container, &index.to_string()]),
                    event_type: step.event_type,
                    timestamp: step.at,
                    location_name: Some(place.name.clone()),
                    location_code: place.code.clone(),
                    vessel_name: vessel.map(|v| v.0.clone()),
                    voyage_number: vessel.map(|v| v.1.clone()),
                }
            })
            .collect();
        let next = self.steps.get(done).map(|step| (done, step));
        let carrier = query.effective_carrier();
        let departed = self.steps[3].at <= now;
        let left_hub = self.steps[5].at <= now;
        let eta = self.eta(now);
        let [pol, _, pod] = &self.places;
        let (first, second) = (&self.vessels[0], &self.vessels[1]);
        let current = if left_hub {
            Some(second)
        } else if done > 2 {
            Some(first)
        } else {
            None
        };
        Some(LiveStatus {
            container_type: Some(self.container_type.into()),
            status: Some(status_label(done - 1).into()),
            carrier: carrier.map(|c| c.name().into()),
            carrier_id: carrier.map(|c| c.code().into()),
            eta: Some(eta),
            // The next arrival: at the hub until the container is there, then at the port
            // of discharge; none once it has arrived.
            eta_next: Some(if self.steps[4].at > now {
                self.steps[4].at
            } else {
                eta
            })
            .filter(|t| *t > now),
            atd_origin: departed.then_some(self.steps[3].at),
            origin: Origin {
                port: Some(pol.name.clone()),
                terminal: None,
                loading_port: pol.code.clone(),
            },
            destination: Destination {
                port: Some(pod.name.clone()),
                terminal: None,
                discharging_port: pod.code.clone(),
            },
            current_location: CurrentLocation {
                port: Some(self.places[last.place].name.clone()),
                terminal: None,
                timestamp: Some(last.at),
            },
            next_location: next
                .map(|(index, step)| NextLocation {
                    port: Some(self.places[step.place].name.clone()),
                    terminal: None,
                    eta: Some(self.expected_at(index, now)),
                })
                .unwrap_or_default(),
            vessel: Vessel {
                original_name: departed.then(|| first.0.clone()),
                original_voyage: departed.then(|| first.1.clone()),
                current_name: current.map(|v| v.0.clone()),
                current_voyage: current.map(|v| v.1.clone()),
            },
            last_updated: Some(now),
            last_movement: Some(last.at),
            events,
            ..LiveStatus::empty(Some(query.container.clone()))
        })
    }
}

/// What the container's state is called after step `index`.
fn status_label(index: usize) -> &'static str {
    match index {
        0 => "Booking confirmed",
        1 => "Gate in at origin",
        2 => "Loaded on vessel",
        3 => "In transit",
        4 => "At transshipment port",
        5 => "In transit",
        6 => "Arrived at destination port",
        7 => "Discharged",
        8 => "Gate out",
        _ => "Delivered",
    }
}

/// The start of the container's current 30-day cycle: each container at its own phase,
/// always in `(now - period, now]`.
fn cycle_start(seed: &[u8; 32], speed: f64, now: DateTime<Utc>) -> DateTime<Utc> {
    let epoch = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let period_ms = ((CYCLE_DAYS * 86_400_000) as f64 / speed).max(1.0) as i64;
    let phase_ms = (u64::from_be_bytes(seed[20..28].try_into().unwrap()) % period_ms as u64) as i64;
    let since = (now - epoch).num_milliseconds() - phase_ms;
    let cycles = since.div_euclid(period_ms);
    epoch + TimeDelta::milliseconds(phase_ms + cycles * period_ms)
}

#[cfg(test)]
#[path = "simulated_tests.rs"]
mod tests;
