//! What a container event or a new ETA means for its shipment (§5.9 of the predecessor's
//! rules, kept as they were):
//!
//! * `departed` moves a shipment that has not left yet (`created`, `docs_pending`,
//!   `docs_complete`) to `in_transit` and records the event's time as the actual departure;
//! * `arrived` moves an `in_transit` shipment to `arrived` and records the actual arrival;
//! * `delivered` moves an `in_transit` or `arrived` shipment to `delivered`;
//! * nothing else changes the status: `docs_pending` / `docs_complete` are set by people,
//!   and `closed` is final. An event that arrives after a later one (a late `departed` for
//!   an arrived shipment) changes nothing.
//!
//! An actual date already recorded is kept: the first departure is the departure.
//!
//! A new ETA that differs from the stored one replaces it; when there was one, the change is
//! later or earlier, and people are told ([`EtaChange`]). Each status change is told with
//! its own kind ([`status_notification`]).

use chrono::{DateTime, Duration, Utc};

use super::EventType;
use crate::domain::notification::NotificationKind;
use crate::domain::ShipmentStatus;

/// The tracked facts of a shipment that events change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    pub status: ShipmentStatus,
    pub atd: Option<DateTime<Utc>>,
    pub ata: Option<DateTime<Utc>>,
    pub eta: Option<DateTime<Utc>>,
}

/// What an event changes; `None` where it changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventEffect {
    pub status: Option<ShipmentStatus>,
    pub atd: Option<DateTime<Utc>>,
    pub ata: Option<DateTime<Utc>>,
}

impl EventEffect {
    pub fn changes_anything(&self) -> bool {
        self.status.is_some() || self.atd.is_some() || self.ata.is_some()
    }
}

/// The status an event of `event` type moves a shipment in `status` to, if any.
pub fn status_after(status: ShipmentStatus, event: EventType) -> Option<ShipmentStatus> {
    use ShipmentStatus::*;
    match (event, status) {
        (EventType::Departed, Created | DocsPending | DocsComplete) => Some(InTransit),
        (EventType::Arrived, InTransit) => Some(Arrived),
        (EventType::Delivered, InTransit | Arrived) => Some(Delivered),
        _ => None,
    }
}

/// What an event at `at` does to a shipment in state `now`.
pub fn effect_of(now: &Tracked, event: EventType, at: DateTime<Utc>) -> EventEffect {
    let Some(status) = status_after(now.status, event) else {
        return EventEffect::default();
    };
    EventEffect {
        status: Some(status),
        atd: (status == ShipmentStatus::InTransit && now.atd.is_none()).then_some(at),
        ata: (status == ShipmentStatus::Arrived && now.ata.is_none()).then_some(at),
    }
}

/// A new ETA compared with the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtaChange {
    /// There was none: it is recorded, nobody is told.
    First,
    /// Later than the stored one, by this much.
    Later(Duration),
    /// Earlier than the stored one, by this much.
    Earlier(Duration),
}

impl EtaChange {
    /// Compares a reported ETA with the stored one; `None` when they are the same.
    pub fn between(stored: Option<DateTime<Utc>>, reported: DateTime<Utc>) -> Option<EtaChange> {
        match stored {
            None => Some(EtaChange::First),
            Some(stored) if reported > stored => Some(EtaChange::Later(reported - stored)),
            Some(stored) if reported < stored => Some(EtaChange::Earlier(stored - reported)),
            Some(_) => None,
        }
    }

    /// Whether people are told of it.
    pub fn is_announced(self) -> bool {
        !matches!(self, EtaChange::First)
    }

    /// The notification's title (the predecessor's wording).
    pub fn title(self) -> &'static str {
        match self {
            EtaChange::First => "ETA set",
            EtaChange::Later(_) => "ETA Delayed",
            EtaChange::Earlier(_) => "ETA Updated – Earlier Arrival",
        }
    }

    /// By how many whole hours the ETA moved (0 for the first), signed: later is positive.
    /// Kept in `container_events.delay_hours`-style figures for history and analytics.
    pub fn delay_hours(self) -> i64 {
        match self {
            EtaChange::First => 0,
            EtaChange::Later(by) => by.num_hours(),
            EtaChange::Earlier(by) => -by.num_hours(),
        }
    }
}

/// The notification a status change is told with, and its title.
pub fn status_notification(status: ShipmentStatus) -> Option<(NotificationKind, &'static str)> {
    match status {
        ShipmentStatus::InTransit => {
            Some((NotificationKind::ShipmentDeparted, "Shipment departed"))
        }
        ShipmentStatus::Arrived => Some((NotificationKind::ShipmentArrived, "Shipment arrived")),
        ShipmentStatus::Delivered => {
            Some((NotificationKind::ShipmentDelivered, "Shipment delivered"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, hour, 0, 0).unwrap()
    }

    fn tracked(status: ShipmentStatus) -> Tracked {
        Tracked {
            status,
            atd: None,
            ata: None,
            eta: None,
        }
    }

    /// The rule, written out as the table it is: every event type against every status.
    #[test]
    fn only_departed_arrived_and_delivered_move_a_status_and_only_forward() {
        use ShipmentStatus::*;
        for status in ShipmentStatus::ALL {
            for event in EventType::ALL {
                let expected = match (event, status) {
                    (EventType::Departed, Created) => Some(InTransit),
                    (EventType::Departed, DocsPending) => Some(InTransit),
                    (EventType::Departed, DocsComplete) => Some(InTransit),
                    (EventType::Arrived, InTransit) => Some(Arrived),
                    (EventType::Delivered, InTransit) => Some(Delivered),
                    (EventType::Delivered, Arrived) => Some(Delivered),
                    _ => None,
                };
                assert_eq!(status_after(status, event), expected, "{event} on {status}");
            }
        }
    }

    #[test]
    fn departure_records_the_actual_departure_once() {
        let effect = effect_of(
            &tracked(ShipmentStatus::DocsComplete),
            EventType::Departed,
            at(3),
        );
        assert_eq!(
            effect,
            EventEffect {
                status: Some(ShipmentStatus::InTransit),
                atd: Some(at(3)),
                ata: None,
            }
        );
        let already = Tracked {
            atd: Some(at(1)),
            ..tracked(ShipmentStatus::Created)
        };
        assert_eq!(effect_of(&already, EventType::Departed, at(3)).atd, None);
    }

    #[test]
    fn arrival_records_the_actual_arrival_and_delivery_no_date() {
        let arrival = effect_of(
            &tracked(ShipmentStatus::InTransit),
            EventType::Arrived,
            at(9),
        );
        assert_eq!(arrival.status, Some(ShipmentStatus::Arrived));
        assert_eq!(arrival.ata, Some(at(9)));
        assert_eq!(arrival.atd, None);
        let delivery = effect_of(
            &tracked(ShipmentStatus::Arrived),
            EventType::Delivered,
            at(9),
        );
        assert_eq!(delivery.status, Some(ShipmentStatus::Delivered));
        assert_eq!((delivery.atd, delivery.ata), (None, None));
        assert!(delivery.changes_anything());
    }

    #[test]
    fn a_late_or_foreign_event_changes_nothing() {
        let late = effect_of(
            &tracked(ShipmentStatus::Arrived),
            EventType::Departed,
            at(1),
        );
        assert!(!late.changes_anything());
        let closed = effect_of(
            &tracked(ShipmentStatus::Closed),
            EventType::Delivered,
            at(1),
        );
        assert!(!closed.changes_anything());
        let hold = effect_of(
            &tracked(ShipmentStatus::InTransit),
            EventType::CustomsHold,
            at(1),
        );
        assert!(!hold.changes_anything());
    }

    #[test]
    fn eta_changes_are_first_later_earlier_or_nothing() {
        assert_eq!(EtaChange::between(None, at(5)), Some(EtaChange::First));
        assert_eq!(
            EtaChange::between(Some(at(5)), at(8)),
            Some(EtaChange::Later(Duration::hours(3)))
        );
        assert_eq!(
            EtaChange::between(Some(at(8)), at(5)),
            Some(EtaChange::Earlier(Duration::hours(3)))
        );
        assert_eq!(EtaChange::between(Some(at(5)), at(5)), None);
    }

    #[test]
    fn only_a_moved_eta_is_announced_with_the_predecessors_titles() {
        assert!(!EtaChange::First.is_announced());
        let later = EtaChange::Later(Duration::hours(30));
        let earlier = EtaChange::Earlier(Duration::hours(2));
        assert!(later.is_announced() && earlier.is_announced());
        assert_eq!(later.title(), "ETA Delayed");
        assert_eq!(earlier.title(), "ETA Updated – Earlier Arrival");
        assert_eq!((later.delay_hours(), earlier.delay_hours()), (30, -2));
    }

    #[test]
    fn each_status_reached_by_an_event_has_its_notification() {
        for status in ShipmentStatus::ALL {
            let told = status_notification(status).map(|(kind, _)| kind);
            let expected = match status {
                ShipmentStatus::InTransit => Some(NotificationKind::ShipmentDeparted),
                ShipmentStatus::Arrived => Some(NotificationKind::ShipmentArrived),
                ShipmentStatus::Delivered => Some(NotificationKind::ShipmentDelivered),
                _ => None,
            };
            assert_eq!(told, expected, "{status}");
        }
    }
}
