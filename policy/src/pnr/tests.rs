//! Paragraph 14's table: each row a receipt of flight XX100 (Paris 2026-12-10 10:00 UTC to New
//! York 18:00 UTC, so the window opens 2026-12-07 10:00 UTC) and what the rule says.

use chrono::TimeZone;

use super::*;

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
        .unwrap()
}

fn inbound(delivery: Delivery, received_at: DateTime<Utc>, earlier_pulls: u32) -> Receipt {
    Receipt {
        delivery,
        received_at,
        now: received_at,
        departs_at: at(10, 10, 0),
        arrives_at: Some(at(10, 18, 0)),
        earlier_pulls,
        early_ground: None,
        // The carrier of a push pushes; a puller's does not.
        carrier_pushes: delivery == Delivery::Push,
    }
}

#[test]
fn paragraph_14_times_and_counts_every_receipt() {
    type Row = (&'static str, Receipt, Result<Accepted, &'static str>);
    let early = |mut receipt: Receipt, ground: &str| {
        receipt.early_ground = Some(ground.to_owned());
        receipt
    };
    let outbound = |received_at, earlier_pulls| Receipt {
        arrives_at: None,
        ..inbound(Delivery::Pull, received_at, earlier_pulls)
    };
    let rows: Vec<Row> =
        vec![
        (
            "the initial pull exactly 72 hours before departure",
            inbound(Delivery::Pull, at(7, 10, 0), 0),
            Ok(Accepted::InWindow),
        ),
        (
            "a pull one minute earlier",
            inbound(Delivery::Pull, at(7, 9, 59), 0),
            Err("pulled earlier than 72 hours before the flight's departure"),
        ),
        (
            "an early pull on advance information about persons of specific concern",
            early(inbound(Delivery::Pull, at(5, 0, 0), 0), EARLY_SPECIFIC_CONCERN),
            Ok(Accepted::Early),
        ),
        (
            "an early pull on any other ground",
            early(inbound(Delivery::Pull, at(5, 0, 0), 0), "routine"),
            Err("the only ground is `specific-concern`"),
        ),
        (
            "the third re-check, in flight before arrival",
            inbound(Delivery::Pull, at(10, 17, 0), 3),
            Ok(Accepted::InWindow),
        ),
        (
            "a fourth re-check",
            inbound(Delivery::Pull, at(10, 17, 30), 4),
            Err("the initial pull and 3 re-checks of this flight's PNR were made"),
        ),
        (
            "a pull after arrival in the United States",
            inbound(Delivery::Pull, at(10, 18, 1), 1),
            Err("received after the flight's arrival in the United States"),
        ),
        (
            "a flight from the United States: a re-check at departure",
            outbound(at(10, 10, 0), 2),
            Ok(Accepted::InWindow),
        ),
        (
            "a flight from the United States: a re-check after departure",
            outbound(at(10, 10, 1), 2),
            Err("received after the flight's departure from the United States"),
        ),
        (
            "the first push, 72 hours before departure",
            inbound(Delivery::Push, at(7, 10, 0), 0),
            Ok(Accepted::InWindow),
        ),
        (
            "the tenth pushed change: pushes are not re-checks",
            inbound(Delivery::Push, at(10, 9, 0), 9),
            Ok(Accepted::InWindow),
        ),
        (
            "a push four days before departure",
            inbound(Delivery::Push, at(6, 10, 0), 0),
            Err("pushed earlier than 72 hours before the flight's departure"),
        ),
        (
            "a receipt stated in the window (within the clock's slack) but stored before it opens",
            Receipt {
                now: at(7, 9, 59),
                ..inbound(Delivery::Pull, at(7, 10, 3), 0)
            },
            Err("pulled earlier than 72 hours"),
        ),
        (
            "a receipt time in the future",
            Receipt {
                now: at(8, 0, 0),
                ..inbound(Delivery::Pull, at(9, 0, 0), 0)
            },
            Err("the receipt time is in the future"),
        ),
        (
            "an arrival before departure",
            Receipt {
                arrives_at: Some(at(9, 0, 0)),
                ..inbound(Delivery::Pull, at(8, 0, 0), 0)
            },
            Err("the flight arrives before it departs"),
        ),
        // Paragraph 13: "CBP will 'pull' passenger information from air carrier reservation
        // systems until such time as air carriers are able to implement a system to 'push' the
        // data to CBP." Who pushes is the records officers' record, not the sender's word.
        (
            "a push from a carrier not recorded as pushing at the receipt time",
            Receipt {
                carrier_pushes: false,
                ..inbound(Delivery::Push, at(8, 0, 0), 0)
            },
            Err("the flight's carrier is not recorded as pushing its PNR at that time"),
        ),
        (
            "a pull from a carrier that pushes",
            Receipt {
                carrier_pushes: true,
                ..inbound(Delivery::Pull, at(8, 0, 0), 0)
            },
            Err("pulled, but the flight's carrier pushes its PNR"),
        ),
        (
            "a pull from a pushing carrier on any other ground",
            Receipt {
                carrier_pushes: true,
                ..early(inbound(Delivery::Pull, at(8, 0, 0), 0), "routine")
            },
            Err("pulled, but the flight's carrier pushes its PNR"),
        ),
        (
            "a pull from a pushing carrier in the window, on advance information about persons of specific concern",
            Receipt {
                carrier_pushes: true,
                ..early(inbound(Delivery::Pull, at(8, 0, 0), 0), EARLY_SPECIFIC_CONCERN)
            },
            Ok(Accepted::PulledOnSpecificConcern),
        ),
        (
            "the same before the window",
            Receipt {
                carrier_pushes: true,
                ..early(inbound(Delivery::Pull, at(5, 0, 0), 0), EARLY_SPECIFIC_CONCERN)
            },
            Ok(Accepted::Early),
        ),
        // Ours: the vault's own clock bounds a backdated receipt.
        (
            "a pull stated before arrival that reaches the vault 24 hours after it",
            Receipt {
                now: at(11, 18, 0),
                ..inbound(Delivery::Pull, at(10, 17, 0), 1)
            },
            Ok(Accepted::InWindow),
        ),
        (
            "the same a minute later",
            Receipt {
                now: at(11, 18, 1),
                ..inbound(Delivery::Pull, at(10, 17, 0), 1)
            },
            Err("reached the vault more than 24 hours after the flight's arrival"),
        ),
    ];
    for (what, receipt_row, expected) in rows {
        let answer = receipt(&receipt_row);
        match (answer, expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "{what}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{what}: {got}"),
            (got, want) => panic!("{what}: {got:?}, expected {want:?}"),
        }
    }
}
