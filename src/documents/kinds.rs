//! The documents made from the records: a visit's minutes (biên bản vận
//! động), a dialogue's minutes (biên bản đối thoại) and its invitation
//! (giấy mời), and a task's list of households (danh sách hộ). Their fixed
//! words are the Vietnamese translation file's (`doc-*`): the documents are
//! Vietnamese official papers whatever language the page is read in.

use chrono::{Datelike, NaiveDate};

use super::{Block, Document, Head, Party, Table};
use crate::db::households::{DialogueRow, Household, VisitRow};
use crate::domain::format;
use crate::i18n::{self, Locale};

fn t(key: &str) -> String {
    i18n::t(Locale::Vi, key)
}

fn tv(key: &str, args: &[(&str, String)]) -> String {
    i18n::t_args(Locale::Vi, key, args)
}

/// A date in words' parts, padded as the date line pads them.
fn day_words(on: NaiveDate) -> Vec<(&'static str, String)> {
    let month = if on.month() <= 2 {
        format!("{:02}", on.month())
    } else {
        on.month().to_string()
    };
    vec![
        ("day", format!("{:02}", on.day())),
        ("month", month),
        ("year", on.year().to_string()),
    ]
}

fn or_dots(s: &str) -> String {
    if s.trim().is_empty() {
        "……".into()
    } else {
        s.trim().to_string()
    }
}

/// The words of stored codes (`concern-`, `stage-`…), joined.
fn words(prefix: &str, codes: &str) -> String {
    codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| t(&format!("{prefix}{c}")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn party(title: &str, name: &str) -> Party {
    Party {
        title: vec![title.to_string()],
        note: t("doc-sign-note"),
        name: name.to_string(),
    }
}

/// The minutes of a household visit: who went, whom they met, what was
/// explained, what the household said and raised, the outcome and the
/// next step, signed by both sides.
pub fn visit_minutes(
    head: Head,
    task: &str,
    h: &Household,
    v: &VisitRow,
    members: &[String],
) -> Document {
    let mut body = vec![Block::Para {
        text: tv(
            "doc-visit-opening",
            &[
                day_words(v.visited_on),
                vec![
                    ("place", or_dots(&h.address)),
                    ("name", h.head_name.clone()),
                    ("parcel", or_dots(&h.parcel_no)),
                    ("sheet", or_dots(&h.map_sheet)),
                    ("task", task.to_string()),
                ],
            ]
            .concat(),
        ),
    }];
    body.push(Block::Heading {
        text: t("doc-part-attendees"),
    });
    let mut team: Vec<String> = members.to_vec();
    if !v.others.trim().is_empty() {
        team.push(v.others.trim().to_string());
    }
    body.push(Block::Labelled {
        label: t("doc-team"),
        text: if team.is_empty() {
            t("doc-team-none")
        } else {
            team.join("; ")
        },
    });
    body.push(Block::Labelled {
        label: t("doc-household-side"),
        text: tv("doc-household-head", &[("name", h.head_name.clone())]),
    });
    body.push(Block::Heading {
        text: t("doc-part-content"),
    });
    body.push(Block::Para {
        text: tv(
            "doc-explained",
            &[("kind", t(&format!("visit-kind-{}", v.kind)).to_lowercase())],
        ),
    });
    let said = if v.household_said.trim().is_empty() {
        "……".to_string()
    } else {
        v.household_said.trim().to_string()
    };
    body.push(Block::Labelled {
        label: t("doc-said"),
        text: said,
    });
    let concerns = words("concern-", &v.concerns);
    if !concerns.is_empty() {
        body.push(Block::Labelled {
            label: t("doc-concerns"),
            text: concerns,
        });
    }
    body.push(Block::Labelled {
        label: t("doc-outcome"),
        text: tv(
            "doc-outcome-text",
            &[
                ("before", t(&format!("stage-{}", v.stage_before))),
                ("after", t(&format!("stage-{}", v.stage_after))),
            ],
        ),
    });
    if let Some(reason) = v.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        body.push(Block::Labelled {
            label: t("doc-reason"),
            text: reason.trim().to_string(),
        });
    }
    let mut next = v.next_step.trim().to_string();
    if let Some(on) = v.next_visit_on {
        let date = tv("doc-next-visit", &[("date", format::date(on))]);
        next = if next.is_empty() {
            date
        } else {
            format!("{next}; {date}")
        };
    }
    if !next.is_empty() {
        body.push(Block::Labelled {
            label: t("doc-next-step"),
            text: next,
        });
    }
    body.push(Block::Para {
        text: t("doc-closing"),
    });
    body.push(Block::Signatures {
        parties: vec![
            party(&t("doc-household-rep"), &h.head_name),
            party(&t("doc-team-rep"), &v.created_by_name),
        ],
    });
    Document {
        head,
        kind: t("doc-minutes"),
        subject: tv("doc-visit-subject", &[("name", h.head_name.clone())]),
        to: vec![],
        body,
        signed: false,
    }
}

/// A household present at a dialogue: name, address, parcel, the stage the
/// dialogue left it at.
pub struct Present {
    pub name: String,
    pub address: String,
    pub parcel: String,
    pub stage_after: String,
}

/// The minutes of a dialogue, with its attendance list.
pub fn dialogue_minutes(head: Head, task: &str, d: &DialogueRow, present: &[Present]) -> Document {
    let mut body = vec![Block::Para {
        text: tv(
            "doc-dialogue-opening",
            &[
                day_words(d.held_on),
                vec![
                    ("place", or_dots(&d.place)),
                    ("task", task.to_string()),
                    ("n", present.len().to_string()),
                ],
            ]
            .concat(),
        ),
    }];
    body.push(Block::Heading {
        text: t("doc-part-attendees"),
    });
    body.push(Block::Labelled {
        label: t("doc-chair"),
        text: or_dots(&d.chaired_by),
    });
    body.push(Block::Labelled {
        label: t("doc-households-present"),
        text: tv("doc-households-listed", &[("n", present.len().to_string())]),
    });
    body.push(Block::Table(Table {
        widths: vec![8, 32, 32, 28],
        header: vec![
            t("doc-col-no"),
            t("doc-col-head"),
            t("doc-col-address"),
            t("doc-col-sign"),
        ],
        rows: present
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    (i + 1).to_string(),
                    p.name.clone(),
                    p.address.clone(),
                    String::new(),
                ]
            })
            .collect(),
        totals: None,
        numeric: vec![0],
    }));
    body.push(Block::Heading {
        text: t("doc-part-content"),
    });
    body.push(Block::Para {
        text: or_dots(&d.summary),
    });
    body.push(Block::Labelled {
        label: t("doc-outcome"),
        text: present
            .iter()
            .map(|p| format!("{}: {}", p.name, t(&format!("stage-{}", p.stage_after))))
            .collect::<Vec<_>>()
            .join("; "),
    });
    body.push(Block::Para {
        text: t("doc-closing"),
    });
    body.push(Block::Signatures {
        parties: vec![
            party(&t("doc-households-rep"), ""),
            party(&t("doc-secretary"), ""),
            party(&t("doc-chair-sign"), &d.chaired_by),
        ],
    });
    Document {
        head,
        kind: t("doc-minutes"),
        subject: tv("doc-dialogue-subject", &[("task", task.to_string())]),
        to: vec![],
        body,
        signed: false,
    }
}

/// An invitation to a dialogue, to one household or to all present.
/// An invitation to a dialogue from `inviter` (`Ủy ban nhân dân phường …`).
pub fn invitation(
    head: Head,
    inviter: &str,
    task: &str,
    d: &DialogueRow,
    to: &[Present],
) -> Document {
    let to_lines: Vec<String> = if to.len() == 1 {
        vec![tv(
            "doc-invite-one",
            &[
                ("name", to[0].name.clone()),
                ("address", or_dots(&to[0].address)),
            ],
        )]
    } else {
        vec![t("doc-invite-all")]
    };
    let body = vec![
        Block::Para {
            text: tv(
                "doc-invite-purpose",
                &[("issuer", inviter.to_string()), ("task", task.to_string())],
            ),
        },
        Block::Labelled {
            label: t("doc-invite-when"),
            text: tv("doc-invite-date", &day_words(d.held_on)),
        },
        Block::Labelled {
            label: t("doc-invite-where"),
            text: or_dots(&d.place),
        },
        Block::Labelled {
            label: t("doc-chair"),
            text: or_dots(&d.chaired_by),
        },
        Block::Para {
            text: t("doc-invite-bring"),
        },
        Block::Para {
            text: t("doc-invite-closing"),
        },
    ];
    Document {
        head,
        kind: t("doc-invitation"),
        subject: tv("doc-invite-subject", &[("task", task.to_string())]),
        to: to_lines,
        body,
        signed: true,
    }
}

/// The list of a task's households, all of them, with their signatures, the
/// totals, the maker and the approving official.
pub fn household_list(head: Head, task: &str, households: &[Household], maker: &str) -> Document {
    let area: f64 = households.iter().map(|h| h.area_m2).sum();
    let rows = households
        .iter()
        .enumerate()
        .map(|(i, h)| {
            vec![
                (i + 1).to_string(),
                h.head_name.clone(),
                h.address.clone(),
                format!("{}/{}", h.parcel_no, h.map_sheet),
                format::decimal(h.area_m2),
                t(&format!("stage-{}", h.stage)),
                String::new(),
            ]
        })
        .collect();
    let approver = Party {
        title: head
            .authority
            .lines()
            .chain(std::iter::once(head.position.as_str()))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_uppercase)
            .collect(),
        note: String::new(),
        name: head.signer.clone(),
    };
    let body = vec![
        Block::Table(Table {
            widths: vec![7, 22, 21, 11, 12, 15, 12],
            header: vec![
                t("doc-col-no"),
                t("doc-col-head"),
                t("doc-col-address"),
                t("doc-col-parcel"),
                t("doc-col-area"),
                t("doc-col-stage"),
                t("doc-col-sign"),
            ],
            rows,
            totals: Some(vec![
                String::new(),
                tv("doc-list-total", &[("n", households.len().to_string())]),
                String::new(),
                String::new(),
                format::decimal(area),
                String::new(),
                String::new(),
            ]),
            numeric: vec![0, 4],
        }),
        Block::Signatures {
            parties: vec![party(&t("doc-list-maker"), maker), approver],
        },
    ];
    Document {
        head,
        kind: t("doc-list"),
        subject: tv("doc-list-subject", &[("task", task.to_string())]),
        to: vec![],
        body,
        signed: false,
    }
}

/// What a year-end report is made from: the round, its ranked tasks, its
/// criteria and the reviewers' comments on each.
pub struct ReviewReport<'a> {
    pub title: &'a str,
    pub year: i32,
    pub tasks: &'a [crate::domain::review::Ranked],
    pub counts: &'a [(crate::domain::review::Rating, i64)],
    pub criteria: &'a [crate::db::reviews::Criterion],
    /// Criterion, kind, score, comment, task title, task id, proposal: the
    /// lowest score first.
    pub comments: &'a [crate::db::reviews::Commented],
    /// Not published yet: the report says so at its top.
    pub provisional: bool,
}

/// Findings, and proposals, listed per criterion: the lowest scored first,
/// at most this many of each.
const FINDINGS: usize = 12;

/// The lines of texts written on a criterion (`- task (score): text`), each
/// text once, in the order given, at most `FINDINGS`; and how many more
/// there were.
fn gathered<'a>(texts: impl Iterator<Item = (&'a String, String)>) -> (Vec<String>, usize) {
    let mut seen: Vec<&str> = Vec::new();
    let mut lines = Vec::new();
    let mut more = 0;
    for (text, source) in texts {
        let text = text.trim();
        if text.is_empty() || seen.contains(&text) {
            continue;
        }
        seen.push(text);
        if lines.len() < FINDINGS {
            lines.push(format!("- {source}: {text}"));
        } else {
            more += 1;
        }
    }
    (lines, more)
}

/// The Front's year-end report: the ratings counted and every task ranked;
/// per criterion its mean against its maximum, the reviewers' findings and
/// their proposals (the lowest scores first: what pulled tasks down); the
/// report's own proposals.
pub fn review_report(head: Head, r: &ReviewReport) -> Document {
    let rating = |x: crate::domain::review::Rating| t(&format!("rating-{}", x.as_str()));
    let mut body = Vec::new();
    if r.provisional {
        body.push(Block::Heading {
            text: t("review-provisional"),
        });
    }
    body.extend([
        Block::Para {
            text: tv(
                "doc-report-intro",
                &[
                    ("year", r.year.to_string()),
                    ("tasks", r.tasks.len().to_string()),
                ],
            ),
        },
        Block::Para {
            text: r
                .counts
                .iter()
                .map(|(x, n)| format!("{}: {n}", rating(*x)))
                .collect::<Vec<_>>()
                .join("; ")
                + ".",
        },
        Block::Heading {
            text: t("doc-report-ranked"),
        },
        Block::Table(Table {
            widths: vec![8, 40, 24, 12, 16],
            header: vec![
                t("doc-col-no"),
                t("doc-col-task"),
                t("doc-col-unit"),
                t("doc-col-total"),
                t("doc-col-rating"),
            ],
            rows: r
                .tasks
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    vec![
                        (i + 1).to_string(),
                        row.name.clone(),
                        row.unit_name.clone(),
                        row.total.map(format::decimal).unwrap_or_default(),
                        row.rating.map(rating).unwrap_or_default(),
                    ]
                })
                .collect(),
            totals: None,
            numeric: vec![0, 3],
        }),
        Block::Heading {
            text: t("doc-report-criteria"),
        },
    ]);
    for (i, c) in r.criteria.iter().enumerate() {
        let mine: Vec<&crate::db::reviews::Commented> =
            r.comments.iter().filter(|s| s.0 == c.id).collect();
        // Each task's score on the criterion: the consensus where there is
        // one, the mean of its reviewers' otherwise; then the mean of tasks.
        let mut tasks: Vec<i64> = mine.iter().map(|s| s.5).collect();
        tasks.sort_unstable();
        tasks.dedup();
        let counted: Vec<f64> = tasks
            .iter()
            .filter_map(|task| {
                let of_task: Vec<&&crate::db::reviews::Commented> =
                    mine.iter().filter(|s| s.5 == *task).collect();
                let consensus: Vec<f64> = of_task
                    .iter()
                    .filter(|s| s.1 == crate::db::reviews::CONSENSUS)
                    .map(|s| s.2)
                    .collect();
                let scores: Vec<f64> = if consensus.is_empty() {
                    of_task.iter().map(|s| s.2).collect()
                } else {
                    consensus
                };
                (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
            })
            .collect();
        let mean =
            (!counted.is_empty()).then(|| counted.iter().sum::<f64>() / counted.len() as f64);
        body.push(Block::Labelled {
            label: format!("{}. {}", i + 1, c.name_vi),
            text: match mean {
                Some(m) => tv(
                    "doc-report-mean",
                    &[
                        ("mean", format::decimal((m * 10.0).round() / 10.0)),
                        ("max", format::decimal(c.max_points)),
                        (
                            "percent",
                            crate::domain::numbers::percent(m, c.max_points).to_string(),
                        ),
                    ],
                ),
                None => t("doc-report-no-scores"),
            },
        });
        // What the reviewers found, then what they propose: each written
        // once, the lowest scored tasks first, at most FINDINGS of each.
        let findings = gathered(mine.iter().map(|(_, _, score, comment, task, _, _)| {
            (comment, format!("{task} ({})", format::decimal(*score)))
        }));
        let proposals = gathered(
            mine.iter()
                .map(|(_, _, _, _, task, _, proposal)| (proposal, task.clone())),
        );
        for (label, (lines, more)) in [
            ("doc-report-findings", findings),
            ("doc-report-criterion-proposals", proposals),
        ] {
            if lines.is_empty() {
                continue;
            }
            body.push(Block::Labelled {
                label: t(label),
                text: String::new(),
            });
            body.extend(lines.into_iter().map(|text| Block::Para { text }));
            if more > 0 {
                body.push(Block::Para {
                    text: tv("doc-report-more", &[("n", more.to_string())]),
                });
            }
        }
    }
    body.push(Block::Heading {
        text: t("doc-report-proposals"),
    });
    let proposals: Vec<&str> = head
        .proposals
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if proposals.is_empty() {
        body.push(Block::Para {
            text: "……".into()
        });
    }
    for p in proposals {
        body.push(Block::Para {
            text: if p.starts_with('-') {
                p.to_string()
            } else {
                format!("- {p}")
            },
        });
    }
    Document {
        head,
        kind: t("doc-report"),
        subject: r.title.to_string(),
        to: vec![],
        body,
        signed: true,
    }
}

/// The dispatch (công văn) sending recommendations to the body that must
/// answer them in writing by their due date: its subject under the number
/// ("V/v …"), "Kính gửi" the body, each recommendation with its field, and
/// the date the answer is due.
pub fn dispatch(
    head: Head,
    from: &str,
    to: &str,
    visited_on: Option<NaiveDate>,
    recs: &[crate::db::recommendations::Recommendation],
) -> Document {
    let due = recs.iter().map(|r| r.due_on).max();
    let mut body = vec![Block::Para {
        text: match visited_on {
            Some(on) => tv(
                "doc-dispatch-after-inspection",
                &[
                    ("from", from.to_string()),
                    ("date", format::date(on)),
                    ("to", to.to_string()),
                ],
            ),
            None => tv(
                "doc-dispatch-opening",
                &[("from", from.to_string()), ("to", to.to_string())],
            ),
        },
    }];
    for (i, r) in recs.iter().enumerate() {
        body.push(Block::Labelled {
            label: format!("{}. {}", i + 1, t(&format!("rec-field-{}", r.field))),
            text: r.content.trim().to_string(),
        });
    }
    body.push(Block::Para {
        text: tv(
            "doc-dispatch-answer-by",
            &[
                ("to", to.to_string()),
                ("due", due.map(format::date).unwrap_or_else(|| "……".into())),
            ],
        ),
    });
    Document {
        head,
        kind: String::new(),
        subject: t("doc-dispatch-subject"),
        to: vec![to.to_string()],
        body,
        signed: true,
    }
}
