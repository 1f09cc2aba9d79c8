//! Official trips abroad online (因公出国（境）网上申报、预审与审签): a department files an
//! application, submits it to the pre-review and answers every flag, and an approver signs it
//! off, returns it with comments or turns it down. Who may move an application where is decided
//! here, once: every step is a person's (a signed-in staff account, or a token issued to one;
//! never a script's token); only the applicant changes, submits or reports on it, changes and
//! submits only while it is a draft or returned; only an approver decides, never on their own
//! application, whichever credential either was used with; a submitted revision is frozen and
//! kept.

use crate::access::{Actor, Person};
use crate::catalog::{trips::TripContext, TripFilter};
use crate::domain::{FieldCode, FieldError, FlagAnswer, ReviewFlag, TripDecision, TripEvent, TripInput, TripRecord, TripReport, TripStatus};
use crate::domain::OutboundRoute;
use crate::outbound::{assess, pre_review, AssessBy, AssessmentRow, TripCheck, MAX_TRIP_FIELD_CHARS};
use crate::Error;

use super::library::BaseLibrary;

/// Most revisions of one application: a trip returned this often is filed anew.
pub const MAX_REVISIONS: u32 = 20;

/// Longest approver comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The pre-review of an application as it stands now: the summary and every flag.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TripReview {
    /// The application summary (出访申请摘要) with days and members the tasks justify; absent
    /// while a problem below stands.
    pub check: Option<TripCheck>,
    /// Every flag with the rule that raised it; submitting needs an answer to each.
    pub flags: Vec<ReviewFlag>,
    /// What must change before it can be submitted: a route or base removed from the library
    /// since the application was written.
    pub problems: Vec<FieldError>,
}

/// Files a new application as a draft.
pub fn file(library: &BaseLibrary, application: &TripInput, actor: &Actor) -> Result<(TripRecord, String), Error> {
    let applicant = person(actor)?;
    let application = &normalised(library, application);
    review(library, application, 0)?;
    library.store().insert_trip(actor, |id, context| {
        Ok(TripRecord {
            id,
            status: TripStatus::Draft,
            revision: 1,
            applicant: applicant.username.clone(),
            applicant_id: applicant.id.clone(),
            application: application.clone(),
            flags: Vec::new(),
            history: vec![event(context, actor, "filed", 1, None)],
            report: None,
        })
    })
}

/// Replaces the application of draft or returned `id`; a returned one becomes a new revision.
pub fn revise(library: &BaseLibrary, id: &str, application: &TripInput, if_match: &str, actor: &Actor) -> Result<(TripRecord, String), Error> {
    // Who and when first: a stranger to the application learns nothing from its checks.
    applicant_changes(&get(library, id)?.0, actor, "revise")?;
    let application = &normalised(library, application);
    review(library, application, 0)?;
    library.store().update_trip(id, if_match, actor, "trip_revised", |mut record, context| {
        applicant_changes(&record, actor, "revise")?;
        if record.status == TripStatus::Returned {
            next_revision(&mut record)?;
            record.status = TripStatus::Draft;
        }
        record.application = application.clone();
        record.flags.clear();
        // Saving a draft again and again is one step in its history (the audit log keeps each
        // save), so the record does not grow with every save.
        let revised = event(context, actor, "revised", record.revision, None);
        match record.history.last_mut() {
            Some(last) if last.action == "revised" && last.revision == record.revision => *last = revised,
            _ => record.history.push(revised),
        }
        Ok(record)
    })
}

/// Submits draft or returned `id`: the pre-review runs, and every flag must be answered in
/// `answers` (else a 422 names `justifications.{code}`); the revision is then frozen.
pub fn submit(library: &BaseLibrary, id: &str, answers: &[FlagAnswer], if_match: &str, actor: &Actor) -> Result<(TripRecord, String), Error> {
    // What the pre-review reads is loaded before the write begins: the step runs inside the
    // store's transaction and must not call the store again.
    let (current, _) = get(library, id)?;
    applicant_changes(&current, actor, "submit")?;
    let routes = all_routes(library)?;
    check_bases(library, &current.application)?;
    library.store().update_trip(id, if_match, actor, "trip_submitted", |mut record, context| {
        applicant_changes(&record, actor, "submit")?;
        let (_, mut flags) = pre_review(&record.application, context.trips_this_year, &routes, library.outbound_reference(), library.relations())
            .map_err(Error::Invalid)?;
        let mut errors = Vec::new();
        for flag in &mut flags {
            match answers.iter().find(|a| a.key == flag.key).map(|a| a.justification.trim()) {
                Some(text) if !text.is_empty() && text.chars().count() <= MAX_TRIP_FIELD_CHARS => flag.justification = Some(text.to_string()),
                Some(text) if !text.is_empty() => errors.push(FieldError::new(
                    &format!("justifications.{}", flag.key),
                    FieldCode::InvalidValue,
                    format!("is longer than {MAX_TRIP_FIELD_CHARS} characters"),
                )),
                _ => errors.push(FieldError::new(
                    &format!("justifications.{}", flag.key),
                    FieldCode::MissingField,
                    format!("{}（{}）: justify it or change the plan", flag.message_zh, flag.rule_zh),
                )),
            }
        }
        for answer in answers.iter().filter(|a| !flags.iter().any(|f| f.key == a.key)) {
            errors.push(FieldError::new(&format!("justifications.{}", answer.key), FieldCode::InvalidValue, "the pre-review raised no such flag"));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        // Submitted again after a return, unchanged: still a new revision, so the one
        // submitted before stays as it was.
        if record.status == TripStatus::Returned {
            next_revision(&mut record)?;
        }
        record.flags = flags;
        record.status = TripStatus::Submitted;
        record.history.push(event(context, actor, "submitted", record.revision, None));
        Ok(record)
    })
}

/// An approver's decision on submitted `id`. Returning or rejecting needs a comment; nobody
/// decides on their own application.
pub fn decide(
    library: &BaseLibrary,
    id: &str,
    decision: TripDecision,
    comment: Option<&str>,
    if_match: &str,
    actor: &Actor,
) -> Result<(TripRecord, String), Error> {
    let approver = person(actor)?;
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(Error::Invalid(vec![FieldError::new("comment", FieldCode::InvalidValue, format!("must be at most {MAX_COMMENT_CHARS} characters"))]));
    }
    if decision != TripDecision::Approve && comment.is_none() {
        return Err(Error::Invalid(vec![FieldError::new("comment", FieldCode::MissingField, "say what to change, or why the trip is turned down")]));
    }
    let action = match decision {
        TripDecision::Approve => "approved",
        TripDecision::Return => "returned",
        TripDecision::Reject => "rejected",
    };
    library.store().update_trip(id, if_match, actor, &format!("trip_{action}"), |mut record, context| {
        if record.applicant_id == approver.id {
            return Err(Error::OwnApplication(id.to_string()));
        }
        if !record.applicant_id.starts_with(crate::access::staff::USER_ID_PREFIX) {
            // Filed with a script's token before every step was a person's: nobody can tell
            // whose it is, so nobody can tell it is not the approver's own.
            return Err(Error::TripStepNotApplicable(FieldError::new(
                "applicant",
                FieldCode::InvalidValue,
                format!("`{id}` was filed with a script's token, not by a person; the department files it again"),
            )));
        }
        if record.status != TripStatus::Submitted {
            return Err(not_applicable(&record, "decide on"));
        }
        record.status = match decision {
            TripDecision::Approve => TripStatus::Approved,
            TripDecision::Return => TripStatus::Returned,
            TripDecision::Reject => TripStatus::Rejected,
        };
        record.history.push(event(context, actor, action, record.revision, comment.map(str::to_string)));
        Ok(record)
    })
}

/// The assessment (绩效考核) of the reported trips, grouped `by`, for one `year` of departure
/// and one `department` when given.
pub fn assessment(library: &BaseLibrary, by: AssessBy, year: Option<i32>, department: Option<&str>) -> Result<Vec<AssessmentRow>, Error> {
    let trips: Vec<TripRecord> = list(library, &TripFilter { status: vec![TripStatus::Reported], department: department.map(str::to_string) })?
        .into_iter()
        .filter(|t| year.is_none_or(|y| chrono::Datelike::year(&t.application.departs) == y))
        .collect();
    let routes = all_routes(library)?;
    Ok(assess(&trips, by, &routes, library.taxonomy().themes(), library.outbound_reference(), library.relations()))
}

/// Longest note, contact or summary of a report, in characters.
pub const MAX_REPORT_TEXT_CHARS: usize = 2000;
/// Most contacts or bases one report lists.
pub const MAX_REPORT_ENTRIES: usize = 50;

/// Records what approved trip `id` achieved (the applicant, once the group is back): one
/// outcome for each task its stops serve, agreements, follow-ups, bases that benefited and
/// contacts. The application then counts in the assessment.
pub fn report(library: &BaseLibrary, id: &str, report: &TripReport, if_match: &str, actor: &Actor) -> Result<(TripRecord, String), Error> {
    let (current, _) = get(library, id)?;
    applicant_only(&current, actor, "report on")?;
    if current.status != TripStatus::Approved {
        return Err(not_applicable(&current, "report on"));
    }
    let routes = all_routes(library)?;
    check_report(library, report, &crate::outbound::discipline::trip_tasks(&current.application, &routes))?;
    library.store().update_trip(id, if_match, actor, "trip_reported", |mut record, context| {
        applicant_only(&record, actor, "report on")?;
        if record.status != TripStatus::Approved {
            return Err(not_applicable(&record, "report on"));
        }
        let today = context.now.get(..10).and_then(|d| d.parse::<chrono::NaiveDate>().ok()).unwrap_or(record.application.returns);
        if today < record.application.returns {
            return Err(Error::TripStepNotApplicable(FieldError::new(
                "status",
                FieldCode::InvalidValue,
                format!("`{}` returns on {}; its results are recorded after the group is back", record.id, record.application.returns),
            )));
        }
        record.report = Some(report.clone());
        record.status = TripStatus::Reported;
        record.history.push(event(context, actor, "reported", record.revision, None));
        Ok(record)
    })
}

/// Signed-off trips whose results are overdue on `today`: back for longer than the rules allow
/// (`report_within_days`) without a report.
pub fn overdue(library: &BaseLibrary, today: chrono::NaiveDate) -> Result<Vec<TripRecord>, Error> {
    let days = i64::from(library.outbound_reference().rules.report_within_days);
    Ok(list(library, &TripFilter { status: vec![TripStatus::Approved], department: None })?
        .into_iter()
        .filter(|t| t.application.returns + chrono::Duration::days(days) < today)
        .collect())
}

fn check_report(library: &BaseLibrary, report: &TripReport, tasks: &[String]) -> Result<(), Error> {
    let mut errors = Vec::new();
    let long = |text: &str| text.chars().count() > MAX_REPORT_TEXT_CHARS;
    for (i, outcome) in report.tasks.iter().enumerate().take(tasks.len() + 1) {
        if !tasks.contains(&outcome.task) {
            errors.push(FieldError::new(&format!("tasks[{i}].task"), FieldCode::InvalidValue, format!("`{}` is not a task of this trip ({})", outcome.task, tasks.join(", "))));
        } else if report.tasks[..i].iter().any(|o| o.task == outcome.task) {
            errors.push(FieldError::new(&format!("tasks[{i}].task"), FieldCode::InvalidValue, format!("`{}` is reported twice", outcome.task)));
        }
        if outcome.note.as_deref().is_some_and(long) {
            errors.push(FieldError::new(&format!("tasks[{i}].note"), FieldCode::InvalidValue, format!("is longer than {MAX_REPORT_TEXT_CHARS} characters")));
        }
    }
    for task in tasks.iter().filter(|t| !report.tasks.iter().any(|o| &o.task == *t)) {
        errors.push(FieldError::new("tasks", FieldCode::MissingField, format!("`{task}` has no outcome (met, partly or not_met)")));
    }
    for (field, len) in [("contacts", report.contacts.len()), ("bases_benefited", report.bases_benefited.len())] {
        if len > MAX_REPORT_ENTRIES {
            errors.push(FieldError::new(field, FieldCode::TooMany, format!("lists {len} entries; at most {MAX_REPORT_ENTRIES} are allowed")));
        }
    }
    if report.contacts.iter().any(|c| c.chars().count() > MAX_TRIP_FIELD_CHARS) || report.summary_zh.as_deref().is_some_and(long) {
        errors.push(FieldError::new("contacts", FieldCode::InvalidValue, format!("a contact is at most {MAX_TRIP_FIELD_CHARS} characters, the summary {MAX_REPORT_TEXT_CHARS}")));
    }
    if report.bases_benefited.len() <= MAX_REPORT_ENTRIES {
        let table = library.base_table()?;
        for (i, id) in report.bases_benefited.iter().enumerate() {
            if table.by_id(id).is_none() {
                errors.push(FieldError::new(&format!("bases_benefited[{i}]"), FieldCode::UnknownBase, format!("no base with id `{id}`")));
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}

/// One application with its ETag.
pub fn get(library: &BaseLibrary, id: &str) -> Result<(TripRecord, String), Error> {
    library.store().trip(id)?.ok_or_else(|| Error::TripNotFound(id.to_string()))
}

/// The pre-review of application `id` as it stands now (what submitting it would raise).
pub fn current_review(library: &BaseLibrary, id: &str) -> Result<TripReview, Error> {
    let (record, _) = get(library, id)?;
    let others = library.store().trips_this_year(&record)?;
    Ok(match review(library, &record.application, others) {
        Ok((check, flags)) => TripReview { check: Some(check), flags, problems: Vec::new() },
        Err(Error::Invalid(problems)) => TripReview { check: None, flags: Vec::new(), problems },
        Err(other) => return Err(other),
    })
}

/// Every submitted revision of `id`, oldest first.
pub fn revisions(library: &BaseLibrary, id: &str) -> Result<Vec<TripRecord>, Error> {
    get(library, id)?;
    Ok(library.store().trip_revisions(id)?)
}

/// The applications that pass `filter`, newest first.
pub fn list(library: &BaseLibrary, filter: &TripFilter) -> Result<Vec<TripRecord>, Error> {
    Ok(library.store().trips(filter)?)
}

/// The pre-review of `application`, its bases checked against the library (officers see every
/// base, so a restricted one may be named).
fn review(library: &BaseLibrary, application: &TripInput, trips_this_year: usize) -> Result<(TripCheck, Vec<ReviewFlag>), Error> {
    let routes = all_routes(library)?;
    let mut errors = match pre_review(application, trips_this_year, &routes, library.outbound_reference(), library.relations()) {
        Ok(review) => return check_bases(library, application).map(|()| review),
        Err(errors) => errors,
    };
    if let Err(Error::Invalid(more)) = check_bases(library, application) {
        errors.extend(more);
    }
    Err(Error::Invalid(errors))
}

/// Every route of the library (read from the catalog: route suggestion reads the assessment,
/// so this module does not call into it).
fn all_routes(library: &BaseLibrary) -> Result<Vec<OutboundRoute>, Error> {
    Ok(library.store().routes()?.into_iter().map(|(route, _)| route).collect())
}

/// The application with its department written one way (spaces trimmed and collapsed), so the
/// annual plan counts one department once.
/// The name a department is kept under, however it was typed (see
/// [`crate::outbound::Departments::canonical`]): filters and the assessment use it too.
pub fn department(library: &BaseLibrary, name: &str) -> String {
    library.outbound_reference().departments.canonical(name)
}

fn normalised(library: &BaseLibrary, application: &TripInput) -> TripInput {
    TripInput { department: department(library, &application.department), ..application.clone() }
}

fn check_bases(library: &BaseLibrary, application: &TripInput) -> Result<(), Error> {
    let table = library.base_table()?;
    let errors: Vec<FieldError> = application
        .bases
        .iter()
        .enumerate()
        .take(crate::outbound::MAX_TRIP_BASES)
        .filter(|(_, id)| table.by_id(id).is_none())
        .map(|(i, id)| FieldError::new(&format!("bases[{i}]"), FieldCode::UnknownBase, format!("no base with id `{id}`")))
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}

fn applicant_changes(record: &TripRecord, actor: &Actor, what: &str) -> Result<(), Error> {
    applicant_only(record, actor, what)?;
    if !record.status.editable() {
        return Err(not_applicable(record, what));
    }
    Ok(())
}

fn applicant_only(record: &TripRecord, actor: &Actor, what: &str) -> Result<(), Error> {
    if person(actor)?.id != record.applicant_id {
        return Err(Error::NotApplicant { id: record.id.clone(), applicant: record.applicant.clone(), what: what.to_string() });
    }
    Ok(())
}

/// Opens the next revision of a returned application, up to [`MAX_REVISIONS`].
fn next_revision(record: &mut TripRecord) -> Result<(), Error> {
    if record.revision >= MAX_REVISIONS {
        return Err(Error::TripStepNotApplicable(FieldError::new(
            "revision",
            FieldCode::InvalidValue,
            format!("`{}` has been returned {} times; file a new application", record.id, record.revision),
        )));
    }
    record.revision += 1;
    Ok(())
}

/// The person taking a step: filing, changing, signing off and reporting are answered for by
/// a person, so a script's token (one not issued to a staff account) cannot take them.
fn person(actor: &Actor) -> Result<&Person, Error> {
    actor.person.as_ref().ok_or(Error::PersonRequired)
}

fn not_applicable(record: &TripRecord, what: &str) -> Error {
    Error::TripStepNotApplicable(FieldError::new(
        "status",
        FieldCode::InvalidValue,
        format!("cannot {what} `{}`: it is {}", record.id, record.status.code()),
    ))
}

fn event(context: TripContext<'_>, actor: &Actor, action: &str, revision: u32, comment: Option<String>) -> TripEvent {
    // Every step is a person's (see `person`): the history names them, not the credential.
    let who = actor.person.as_ref().map_or(&actor.name, |person| &person.username);
    TripEvent { at: context.now.to_string(), actor: who.clone(), action: action.into(), revision, comment }
}
