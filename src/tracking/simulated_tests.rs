use chrono::{Duration, TimeZone};

use super::*;
use crate::domain::UnLocode;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap()
}

fn container(serial: u32) -> ContainerNumber {
    ContainerNumber::from_parts("MSK", EquipmentCategory::FreightContainer, serial).unwrap()
}

fn query(serial: u32, etd: Option<DateTime<Utc>>) -> ContainerQuery {
    ContainerQuery {
        hint: VoyageHint {
            etd,
            ..VoyageHint::default()
        },
        ..ContainerQuery::new(container(serial))
    }
}

fn kinds(live: &LiveStatus) -> Vec<EventType> {
    live.events.iter().map(|e| e.event_type).collect()
}

/// A serial whose voyage slips (or not), found by trying.
fn serial_where(slips: bool) -> u32 {
    (1..1000)
        .find(|s| digest(container(*s).as_str())[7].is_multiple_of(3) == slips)
        .unwrap()
}

#[test]
fn a_finished_voyage_has_all_ten_steps_in_order() {
    let sim = SimulatedProvider::new(1.0);
    let live = sim
        .status_at(&query(123_456, Some(now() - Duration::days(26))), now())
        .unwrap();
    assert_eq!(
        kinds(&live),
        [
            EventType::BookingConfirmed,
            EventType::GateIn,
            EventType::Loaded,
            EventType::Departed,
            EventType::Transshipment,
            EventType::Departed,
            EventType::Arrived,
            EventType::Discharged,
            EventType::GateOut,
            EventType::Delivered,
        ]
    );
    assert!(live
        .events
        .windows(2)
        .all(|w| w[0].timestamp < w[1].timestamp));
    let first = live.events.first().unwrap().timestamp;
    let last = live.events.last().unwrap().timestamp;
    let days = (last - first).num_hours() as f64 / 24.0;
    assert!((21.0..=28.0).contains(&days), "{days} days");
    assert_eq!(live.status.as_deref(), Some("Delivered"));
    assert_eq!(live.eta_next, None);
    assert_eq!(live.next_location, NextLocation::default());
    assert!(live
        .events
        .iter()
        .all(|e| e.event_type != EventType::Unknown));
    for (index, event) in live.events.iter().enumerate() {
        assert_eq!(
            event.external_id,
            format!("SIM-{}-{index}", container(123_456))
        );
        assert!(event
            .location_code
            .as_deref()
            .is_some_and(|c| c.len() <= 10));
    }
}

#[test]
fn defaults_sail_from_apapa_via_a_hub_to_a_north_european_port() {
    let sim = SimulatedProvider::new(1.0);
    let live = sim
        .status_at(&query(42, Some(now() - Duration::days(26))), now())
        .unwrap();
    assert_eq!(live.origin.loading_port.as_deref(), Some("NGAPP"));
    assert_eq!(live.origin.port.as_deref(), Some("Apapa, Lagos"));
    let pod = live.destination.discharging_port.clone().unwrap();
    assert!(["DEHAM", "NLRTM", "BEANR"].contains(&pod.as_str()), "{pod}");
    let hub = live.events[4].location_code.clone().unwrap();
    assert!(["MAPTM", "ESALG"].contains(&hub.as_str()), "{hub}");
    assert_eq!(live.carrier.as_deref(), Some("Maersk"));
    let loaded = &live.events[2];
    assert_eq!(loaded.vessel_name, live.vessel.original_name);
    assert_eq!(live.events[5].vessel_name, live.vessel.current_name);
    assert_ne!(live.vessel.original_name, live.vessel.current_name);
}

#[test]
fn the_hint_sets_ports_vessel_and_departure() {
    let etd = now() - Duration::days(3);
    let q = ContainerQuery {
        hint: VoyageHint {
            pol: Port::from_row(Some("CIABJ"), Some("Abidjan")),
            pod: Port::from_row(Some("ESALG"), None),
            etd: Some(etd),
            vessel: Some("RHINE MAERSK".into()),
            voyage: Some("550N".into()),
        },
        ..ContainerQuery::new(container(7))
    };
    let live = SimulatedProvider::new(1.0).status_at(&q, now()).unwrap();
    assert_eq!(live.origin.port.as_deref(), Some("Abidjan"));
    assert_eq!(live.destination.discharging_port.as_deref(), Some("ESALG"));
    assert_eq!(live.destination.port.as_deref(), Some("Algeciras"));
    assert_eq!(live.atd_origin, Some(etd));
    assert_eq!(live.events[3].timestamp, etd);
    assert_eq!(live.events[2].vessel_name.as_deref(), Some("RHINE MAERSK"));
    assert_eq!(live.events[3].voyage_number.as_deref(), Some("550N"));
    // The hub is never the port of discharge.
    let pod = UnLocode::parse("ESALG").unwrap();
    let plan = Voyage::plan(&q.container, &q.hint, 1.0, now());
    assert_eq!(plan.places[HUB].code.as_deref(), Some("MAPTM"));
    assert_eq!(plan.places[POD].code.as_deref(), Some(pod.as_str()));
}

#[test]
fn only_events_whose_time_has_come_are_reported() {
    let sim = SimulatedProvider::new(1.0);
    let q = query(9, Some(now() - Duration::days(4)));
    let live = sim.status_at(&q, now()).unwrap();
    assert_eq!(
        kinds(&live),
        [
            EventType::BookingConfirmed,
            EventType::GateIn,
            EventType::Loaded,
            EventType::Departed
        ]
    );
    assert!(live.events.iter().all(|e| e.timestamp <= now()));
    assert_eq!(live.status.as_deref(), Some("In transit"));
    assert_eq!(live.next_location.eta, Some(live.eta_next.unwrap()));
    assert!(live.eta.unwrap() > now());
    // Before the booking, nothing is known.
    let future = query(9, Some(now() + Duration::days(10)));
    assert_eq!(sim.status_at(&future, now()), None);
}

#[test]
fn the_same_question_gets_the_same_answer_and_events_keep_their_ids() {
    let a = SimulatedProvider::new(1.0);
    let b = SimulatedProvider::new(1.0);
    for etd in [None, Some(now() - Duration::days(6))] {
        let q = query(31_337, etd);
        let early = a.status_at(&q, now());
        assert_eq!(early, b.status_at(&q, now()));
        let later = a.status_at(&q, now() + Duration::hours(30));
        if let (Some(early), Some(later)) = (early, later) {
            assert!(later.events.len() >= early.events.len());
            assert_eq!(early.events[..], later.events[..early.events.len()]);
        }
    }
}

#[test]
fn without_a_hint_the_voyage_started_within_the_last_thirty_days() {
    let sim = SimulatedProvider::new(1.0);
    let mut started = std::collections::HashSet::new();
    for serial in 0..40 {
        let live = sim.status_at(&query(serial, None), now()).unwrap();
        let booking = live.events[0].timestamp;
        assert!(
            booking <= now() && booking > now() - Duration::days(30),
            "{serial}"
        );
        started.insert(booking);
    }
    // Containers are spread over the month, not all in step.
    assert!(started.len() > 30);
}

#[test]
fn one_container_in_three_arrives_a_day_late_and_the_eta_says_so_mid_voyage() {
    let sim = SimulatedProvider::new(1.0);
    let etd = now();
    let late = query(serial_where(true), Some(etd));
    let plan = Voyage::plan(&late.container, &late.hint, 1.0, now());
    let known = plan.slip_known_at.unwrap();
    let before = sim.status_at(&late, known - Duration::hours(1)).unwrap();
    let after = sim.status_at(&late, known + Duration::hours(1)).unwrap();
    assert_eq!(before.eta, Some(plan.planned_arrival));
    assert_eq!(after.eta, Some(plan.planned_arrival + Duration::hours(24)));
    assert!(known > etd && known < plan.steps[4].at);
    // After arrival the ETA is the arrival itself.
    let arrived = sim
        .status_at(&late, plan.steps[ARRIVAL_STEP].at + Duration::hours(1))
        .unwrap();
    assert_eq!(arrived.eta, Some(plan.steps[ARRIVAL_STEP].at));

    let on_time = query(serial_where(false), Some(etd));
    let plan = Voyage::plan(&on_time.container, &on_time.hint, 1.0, now());
    assert_eq!(plan.slip_known_at, None);
    let etas: std::collections::HashSet<_> = (0..25)
        .filter_map(|day| sim.status_at(&on_time, etd + Duration::days(day)))
        .map(|live| live.eta)
        .collect();
    assert_eq!(etas.len(), 1);
}

#[test]
fn speed_plays_the_voyage_faster() {
    // A simulated day per real hour: the whole voyage within about a real day.
    let sim = SimulatedProvider::new(24.0);
    let live = sim
        .status_at(&query(5, Some(now() - Duration::hours(24))), now())
        .unwrap();
    assert_eq!(live.events.len(), 10);
    assert_eq!(sim.speed(), 24.0);
    assert_eq!(SimulatedProvider::new(0.0).speed(), 1.0);
    assert_eq!(SimulatedProvider::new(f64::NAN).speed(), 1.0);
    assert_eq!(SimulatedProvider::new(1e12).speed(), MAX_SPEED);
}

#[tokio::test]
async fn the_provider_answers_on_its_clock() {
    let sim = SimulatedProvider::new(1.0).with_clock(now);
    let q = query(77, Some(now() - Duration::days(26)));
    let live = sim.container(&q).await.unwrap().unwrap();
    assert_eq!(live.last_updated, Some(now()));
    assert_eq!(sim.name(), "simulated");
    let bl = BillOfLading::parse("MAEU240512345").unwrap();
    let by_bill = sim
        .bill_of_lading(&bl, Carrier::Msc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_bill.associated_containers.len(), 1);
    assert_eq!(by_bill.carrier.as_deref(), Some("MSC"));
    assert_eq!(
        by_bill.container_number.as_ref().map(|c| c.owner_code()),
        Some("MSC")
    );
    let again = sim
        .bill_of_lading(&bl, Carrier::Msc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_bill, again);
    let usage = sim.usage().await.unwrap();
    assert_eq!(usage["provider"], "simulated");
    assert_eq!(usage["requests_made"], 3);
}

#[test]
fn an_etd_older_than_a_cycle_is_history_and_the_container_cycles_instead() {
    let sim = SimulatedProvider::new(1.0);
    let old = sim
        .status_at(&query(424_242, Some(now() - Duration::days(300))), now())
        .unwrap();
    let unhinted = sim.status_at(&query(424_242, None), now()).unwrap();
    assert_eq!(kinds(&old), kinds(&unhinted));
    assert_eq!(old.eta, unhinted.eta);
    assert!(old
        .events
        .iter()
        .all(|e| e.timestamp > now() - Duration::days(31)));
}
