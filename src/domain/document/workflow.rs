//! The review workflow of a document (reference §5.3): which status may follow which, who
//! may make each move, and what must hold first.
//!
//! The predecessor had four ways to change a document's status and only one consulted its
//! state machine: `PATCH /validate` set `validated` from any status without the field rules,
//! and validating or rejecting a document's contents forced the parent's status (§6.10).
//! Here every change goes through [`transition`], [`approve`] or [`reject`], and all three
//! apply the same rules, the first failing one being the [`Refusal`]:
//!
//! 1. **The table has the move** ([`TRANSITIONS`]): nothing leaves `archived`, and no status
//!    "moves" to itself.
//! 2. **The caller's system role is in the move's row.**
//! 3. **The caller's access allows the permission the move needs** ([`Access::decide`]:
//!    suspended members, buyer organizations and organization viewers change nothing).
//!    `approve` needs `documents:approve`, `reject` `documents:reject`, a generic transition
//!    `documents:transition` — except a move into `uploaded` (submitting a draft,
//!    resubmitting a failed document), which `documents:upload` also allows. Submitting is
//!    uploading; without this the table's supplier rows, unreachable in the predecessor
//!    (suppliers lack `documents:transition`), would stay dead letters.
//! 4. **A rejection says why**: the moves `reject` makes (uploaded → draft,
//!    validated → compliance_failed) need non-blank notes on either route, or a generic
//!    transition would be a way around `reject`'s rule.
//! 5. **Entering `validated` needs the field rules to pass**: the caller passes a closure
//!    producing the [`RuleReport`], run only for that move; errors refuse it, warnings ride
//!    along in the [`Move`].

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::field_rules::RuleReport;
use super::DocumentStatus;
use crate::domain::{Access, Decision, Permission, SystemRole};

/// One permitted move, and the system roles that may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRow {
    pub from: DocumentStatus,
    pub to: DocumentStatus,
    pub roles: &'static [SystemRole],
}

const REVIEWERS: &[SystemRole] = &[SystemRole::Admin, SystemRole::Compliance];
const SUBMITTERS: &[SystemRole] = &[
    SystemRole::Admin,
    SystemRole::Compliance,
    SystemRole::Supplier,
];
const ADMINS: &[SystemRole] = &[SystemRole::Admin];

const fn row(
    from: DocumentStatus,
    to: DocumentStatus,
    roles: &'static [SystemRole],
) -> TransitionRow {
    TransitionRow { from, to, roles }
}

/// The state machine of §5.3. `archived` is terminal.
pub const TRANSITIONS: [TransitionRow; 11] = {
    use DocumentStatus::*;
    [
        row(Draft, Uploaded, SUBMITTERS),
        row(Uploaded, Validated, REVIEWERS),
        row(Uploaded, Draft, REVIEWERS),
        row(Validated, ComplianceOk, REVIEWERS),
        row(Validated, ComplianceFailed, REVIEWERS),
        row(ComplianceFailed, Uploaded, SUBMITTERS),
        row(ComplianceOk, Linked, REVIEWERS),
        row(Linked, Archived, ADMINS),
        row(Validated, Archived, ADMINS),
        row(ComplianceOk, Archived, ADMINS),
        row(ComplianceFailed, Archived, ADMINS),
    ]
};

/// The row of the move `from` → `to`, if the workflow has it.
pub fn find_row(from: DocumentStatus, to: DocumentStatus) -> Option<&'static TransitionRow> {
    TRANSITIONS
        .iter()
        .find(|row| row.from == from && row.to == to)
}

/// What a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A move to the named status.
    Transition(DocumentStatus),
    /// The next step forward of the review: uploaded → validated → compliance_ok → linked.
    Approve,
    /// Back to the uploader: uploaded → draft, validated → compliance_failed.
    Reject,
}

impl Action {
    /// Where this action takes a document in status `from`, if anywhere.
    pub fn target(self, from: DocumentStatus) -> Option<DocumentStatus> {
        use DocumentStatus::*;
        match (self, from) {
            (Action::Transition(to), _) => find_row(from, to).map(|row| row.to),
            (Action::Approve, Uploaded) => Some(Validated),
            (Action::Approve, Validated) => Some(ComplianceOk),
            (Action::Approve, ComplianceOk) => Some(Linked),
            (Action::Reject, Uploaded) => Some(Draft),
            (Action::Reject, Validated) => Some(ComplianceFailed),
            (Action::Approve | Action::Reject, _) => None,
        }
    }

    /// The permissions of which the caller needs one to take this action to `to`.
    fn permissions(self, to: DocumentStatus) -> &'static [Permission] {
        match self {
            Action::Approve => &[Permission::DocumentsApprove],
            Action::Reject => &[Permission::DocumentsReject],
            Action::Transition(_) if to == DocumentStatus::Uploaded => {
                &[Permission::DocumentsTransition, Permission::DocumentsUpload]
            }
            Action::Transition(_) => &[Permission::DocumentsTransition],
        }
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{}", no_such_move(*from, *action))]
    NoSuchTransition {
        from: DocumentStatus,
        action: Action,
    },
    #[error("The {} role may not move a document from {from} to {to}", role.as_str())]
    RoleNotAllowed {
        role: SystemRole,
        from: DocumentStatus,
        to: DocumentStatus,
    },
    #[error("{}", denial(*.0))]
    AccessDenied(Decision),
    #[error("A rejection needs notes saying what is wrong")]
    NotesRequired,
    #[error("The document does not pass its field rules ({} error(s))", .0.errors.len())]
    FieldRulesFailed(RuleReport),
}

fn no_such_move(from: DocumentStatus, action: Action) -> String {
    match action {
        Action::Transition(to) => format!("A document cannot move from {from} to {to}"),
        Action::Approve => format!("A document in status {from} cannot be approved"),
        Action::Reject => format!("A document in status {from} cannot be rejected"),
    }
}

fn denial(decision: Decision) -> &'static str {
    match decision {
        Decision::MembershipSuspended => "Your membership in this organization is suspended",
        Decision::NotGrantedToSystemRole => "Your role does not allow changing documents",
        Decision::BuyerOrganizationReadOnly => {
            "Members of a buyer organization read documents but do not change them"
        }
        Decision::OrganizationViewerReadOnly => {
            "Organization viewers read documents but do not change them"
        }
        Decision::Allowed | Decision::PlatformAdminOnly => "You may not change this document",
    }
}

impl Refusal {
    /// The machine code of the error body.
    pub const fn code(&self) -> &'static str {
        match self {
            Refusal::NoSuchTransition { .. } => "INVALID_TRANSITION",
            Refusal::RoleNotAllowed { .. } | Refusal::AccessDenied(_) => "INSUFFICIENT_PERMISSIONS",
            Refusal::NotesRequired => "NOTES_REQUIRED",
            Refusal::FieldRulesFailed(_) => "VALIDATION_FAILED",
        }
    }

    /// Whether the refusal is about the caller (403) rather than the request (400).
    pub const fn is_forbidden(&self) -> bool {
        matches!(
            self,
            Refusal::RoleNotAllowed { .. } | Refusal::AccessDenied(_)
        )
    }
}

/// An allowed status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: DocumentStatus,
    pub to: DocumentStatus,
    /// The field-rule report, for a move into `validated` (it may carry warnings).
    pub validation: Option<RuleReport>,
}

/// Rules 1 to 3: the move exists, the role is in its row, the access allows it.
fn permitted(
    access: &Access,
    from: DocumentStatus,
    action: Action,
) -> Result<DocumentStatus, Refusal> {
    let to = action
        .target(from)
        .ok_or(Refusal::NoSuchTransition { from, action })?;
    let role = access.system_role();
    if !find_row(from, to).is_some_and(|row| row.roles.contains(&role)) {
        return Err(Refusal::RoleNotAllowed { role, from, to });
    }
    let decision = best_decision(access, action.permissions(to));
    if decision.is_allowed() {
        Ok(to)
    } else {
        Err(Refusal::AccessDenied(decision))
    }
}

/// Allowed if any of `permissions` is; otherwise the most telling denial: one naming the
/// organization or membership over "your role lacks it" (a supplier in a buyer organization
/// is told about the organization, not that suppliers cannot transition).
fn best_decision(access: &Access, permissions: &[Permission]) -> Decision {
    let decisions: Vec<Decision> = permissions.iter().map(|p| access.decide(*p)).collect();
    if decisions.iter().any(|decision| decision.is_allowed()) {
        return Decision::Allowed;
    }
    decisions
        .iter()
        .copied()
        .find(|decision| *decision != Decision::NotGrantedToSystemRole)
        .unwrap_or(Decision::NotGrantedToSystemRole)
}

/// Rule 4.
fn check_notes(
    from: DocumentStatus,
    to: DocumentStatus,
    notes: Option<&str>,
) -> Result<(), Refusal> {
    let is_rejection = Action::Reject.target(from) == Some(to);
    if is_rejection && notes.is_none_or(|notes| notes.trim().is_empty()) {
        Err(Refusal::NotesRequired)
    } else {
        Ok(())
    }
}

/// Rule 5, then the move.
fn enter(
    from: DocumentStatus,
    to: DocumentStatus,
    field_rules: impl FnOnce() -> RuleReport,
) -> Result<Move, Refusal> {
    let validation = if to == DocumentStatus::Validated {
        let report = field_rules();
        if !report.is_valid {
            return Err(Refusal::FieldRulesFailed(report));
        }
        Some(report)
    } else {
        None
    };
    Ok(Move {
        from,
        to,
        validation,
    })
}

/// Moves a document from `from` to `to` (`POST /documents/{id}/transition`).
pub fn transition(
    access: &Access,
    from: DocumentStatus,
    to: DocumentStatus,
    notes: Option<&str>,
    field_rules: impl FnOnce() -> RuleReport,
) -> Result<Move, Refusal> {
    let to = permitted(access, from, Action::Transition(to))?;
    check_notes(from, to, notes)?;
    enter(from, to, field_rules)
}

/// Takes the review one step forward (`POST /documents/{id}/approve`).
pub fn approve(
    access: &Access,
    from: DocumentStatus,
    field_rules: impl FnOnce() -> RuleReport,
) -> Result<Move, Refusal> {
    let to = permitted(access, from, Action::Approve)?;
    enter(from, to, field_rules)
}

/// Sends the document back to its uploader, saying why (`POST /documents/{id}/reject`).
pub fn reject(access: &Access, from: DocumentStatus, notes: Option<&str>) -> Result<Move, Refusal> {
    let to = permitted(access, from, Action::Reject)?;
    check_notes(from, to, notes)?;
    Ok(Move {
        from,
        to,
        validation: None,
    })
}

/// The statuses this caller may move a document in `from` to, in table order
/// (`GET /documents/{id}/transitions`). Notes and field rules are the attempt's business:
/// a listed move may still be refused for those.
pub fn allowed_transitions(access: &Access, from: DocumentStatus) -> Vec<DocumentStatus> {
    TRANSITIONS
        .iter()
        .filter(|row| {
            row.from == from && permitted(access, from, Action::Transition(row.to)).is_ok()
        })
        .map(|row| row.to)
        .collect()
}

/// How the UI shows a status: the predecessor's `WORKFLOW_ACTIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatusInfo {
    pub status: DocumentStatus,
    pub display: &'static str,
    pub color: &'static str,
    /// The moves out of the status, by the name of their button: `submit`, `validate`,
    /// `approve`, `link`, `reject`, `resubmit`, `archive`.
    pub actions: &'static [&'static str],
}

pub const fn status_info(status: DocumentStatus) -> StatusInfo {
    let (display, color, actions): (_, _, &'static [&'static str]) = match status {
        DocumentStatus::Draft => ("Draft", "gray", &["submit"]),
        DocumentStatus::Uploaded => ("Pending Review", "yellow", &["validate", "reject"]),
        DocumentStatus::Validated => ("Validated", "blue", &["approve", "reject", "archive"]),
        DocumentStatus::ComplianceOk => ("Compliant", "green", &["link", "archive"]),
        DocumentStatus::ComplianceFailed => ("Issues Found", "red", &["resubmit", "archive"]),
        DocumentStatus::Linked => ("Linked", "purple", &["archive"]),
        DocumentStatus::Archived => ("Archived", "gray", &[]),
    };
    StatusInfo {
        status,
        display,
        color,
        actions,
    }
}

/// How many documents are in each status; serialized as an object with every status as a
/// key, in workflow order, zeros included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts([usize; DocumentStatus::ALL.len()]);

impl StatusCounts {
    pub fn get(&self, status: DocumentStatus) -> usize {
        self.0[status as usize]
    }
}

impl Serialize for StatusCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for status in DocumentStatus::ALL {
            map.serialize_entry(status.as_str(), &self.get(status))?;
        }
        map.end()
    }
}

/// Where a shipment's documents stand in the review (`GET /documents/workflow/summary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowSummary {
    pub total: usize,
    pub by_status: StatusCounts,
    /// linked + compliance_ok.
    pub complete: usize,
    /// uploaded + validated: waiting for a reviewer.
    pub pending_review: usize,
    /// compliance_failed.
    pub failed: usize,
    pub draft: usize,
    /// `complete` out of the documents not archived (retired documents are no longer part
    /// of the work), in whole percent rounded down so that 100 means all done; 0 when
    /// there are none.
    pub progress_percent: u8,
}

impl WorkflowSummary {
    pub fn of(statuses: impl IntoIterator<Item = DocumentStatus>) -> Self {
        let mut counts = StatusCounts::default();
        for status in statuses {
            counts.0[status as usize] += 1;
        }
        let count = |status| counts.get(status);
        use DocumentStatus::*;
        let total = counts.0.iter().sum::<usize>();
        let complete = count(Linked) + count(ComplianceOk);
        let live = total - count(Archived);
        // Complete documents are live ones, so the quotient is at most 100.
        let progress_percent = (complete * 100)
            .checked_div(live)
            .map_or(0, |percent| u8::try_from(percent).unwrap_or(100));
        Self {
            total,
            by_status: counts,
            complete,
            pending_review: count(Uploaded) + count(Validated),
            failed: count(ComplianceFailed),
            draft: count(Draft),
            progress_percent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::field_rules::{Issue, Severity};
    use crate::domain::{MembershipStatus, OrgRole, OrgType};
    use std::cell::Cell;
    use DocumentStatus::*;

    fn every_access() -> Vec<Access> {
        let mut all = Vec::new();
        for system in SystemRole::ALL {
            for org_role in OrgRole::ALL {
                for org_type in OrgType::ALL {
                    for status in MembershipStatus::ALL {
                        all.push(Access::new(system, org_role, org_type, status));
                    }
                }
            }
        }
        all
    }

    fn passing() -> RuleReport {
        RuleReport::from_issues(Vec::new())
    }

    fn issue(severity: Severity) -> Issue {
        Issue {
            field: "reference_number".into(),
            message: "Reference Number is required".into(),
            severity,
        }
    }

    fn failing() -> RuleReport {
        RuleReport::from_issues(vec![issue(Severity::Error)])
    }

    /// §5.3 restated as text: `from to roles`.
    const TABLE: &str = "
        draft uploaded admin compliance supplier
        uploaded validated admin compliance
        uploaded draft admin compliance
        validated compliance_ok admin compliance
        validated compliance_failed admin compliance
        compliance_failed uploaded admin compliance supplier
        compliance_ok linked admin compliance
        linked archived admin
        validated archived admin
        compliance_ok archived admin
        compliance_failed archived admin
    ";
    const APPROVALS: &str = "uploaded>validated validated>compliance_ok compliance_ok>linked";
    const REJECTIONS: &str = "uploaded>draft validated>compliance_failed";

    /// Why the oracle refuses, or the status it moves to.
    #[derive(Debug, PartialEq, Eq)]
    enum Expected {
        To(&'static str),
        NoSuchTransition,
        Role,
        Access,
        Notes,
        Rules,
    }

    /// The module's rules, spelled over the wire names and the text above.
    fn oracle(
        access: &Access,
        from: &'static str,
        action: &str,
        notes: Option<&str>,
        rules_pass: bool,
    ) -> Expected {
        let pairs = |list: &'static str| {
            list.split(' ')
                .map(|pair| pair.split_once('>').unwrap())
                .collect::<Vec<_>>()
        };
        let to = match action {
            "approve" => pairs(APPROVALS)
                .into_iter()
                .find(|(f, _)| *f == from)
                .map(|(_, t)| t),
            "reject" => pairs(REJECTIONS)
                .into_iter()
                .find(|(f, _)| *f == from)
                .map(|(_, t)| t),
            wanted => TABLE
                .lines()
                .map(|line| line.split_whitespace().collect::<Vec<_>>())
                .find(|words| words.len() > 2 && words[0] == from && words[1] == wanted)
                .map(|words| words[1]),
        };
        let Some(to) = to else {
            return Expected::NoSuchTransition;
        };
        let roles: Vec<&str> = TABLE
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .find(|words| words.len() > 2 && words[0] == from && words[1] == to)
            .unwrap()[2..]
            .to_vec();
        if !roles.contains(&access.system_role().as_str()) {
            return Expected::Role;
        }
        let permissions: &[&str] = match (action, to) {
            ("approve", _) => &["documents:approve"],
            ("reject", _) => &["documents:reject"],
            (_, "uploaded") => &["documents:transition", "documents:upload"],
            _ => &["documents:transition"],
        };
        if !permissions
            .iter()
            .any(|p| access.allows(Permission::parse(p).unwrap()))
        {
            return Expected::Access;
        }
        let rejection = pairs(REJECTIONS).contains(&(from, to));
        if rejection && notes.unwrap_or("").trim().is_empty() {
            return Expected::Notes;
        }
        if to == "validated" && !rules_pass {
            return Expected::Rules;
        }
        Expected::To(to)
    }

    fn outcome(result: Result<Move, Refusal>) -> Expected {
        match result {
            Ok(change) => Expected::To(change.to.as_str()),
            Err(Refusal::NoSuchTransition { .. }) => Expected::NoSuchTransition,
            Err(Refusal::RoleNotAllowed { .. }) => Expected::Role,
            Err(Refusal::AccessDenied(decision)) => {
                assert!(!decision.is_allowed());
                Expected::Access
            }
            Err(Refusal::NotesRequired) => Expected::Notes,
            Err(Refusal::FieldRulesFailed(report)) => {
                assert!(!report.is_valid);
                Expected::Rules
            }
        }
    }

    const NOTES: [Option<&str>; 3] = [None, Some(" \t "), Some("scan is illegible")];

    #[test]
    fn every_move_by_every_caller_matches_the_oracle() {
        let mut cases = 0;
        for access in every_access() {
            for from in DocumentStatus::ALL {
                for rules_pass in [true, false] {
                    let report = || if rules_pass { passing() } else { failing() };
                    for to in DocumentStatus::ALL {
                        for notes in NOTES {
                            assert_eq!(
                                outcome(transition(&access, from, to, notes, report)),
                                oracle(&access, from.as_str(), to.as_str(), notes, rules_pass),
                                "{access:?} {from} → {to} notes {notes:?} rules {rules_pass}"
                            );
                            cases += 1;
                        }
                    }
                    assert_eq!(
                        outcome(approve(&access, from, report)),
                        oracle(&access, from.as_str(), "approve", None, rules_pass),
                        "{access:?} approve {from} rules {rules_pass}"
                    );
                    cases += 1;
                }
                for notes in NOTES {
                    assert_eq!(
                        outcome(reject(&access, from, notes)),
                        oracle(&access, from.as_str(), "reject", notes, true),
                        "{access:?} reject {from} notes {notes:?}"
                    );
                    cases += 1;
                }
            }
        }
        // 240 callers × 7 statuses × (2 reports × (7 targets × 3 notes + approve) + 3 notes).
        assert_eq!(cases, 240 * 7 * (2 * (7 * 3 + 1) + 3));
    }

    #[test]
    fn allowed_transitions_are_the_moves_the_oracle_allows() {
        for access in every_access() {
            for from in DocumentStatus::ALL {
                let expected: Vec<DocumentStatus> = DocumentStatus::ALL
                    .into_iter()
                    .filter(|to| {
                        oracle(&access, from.as_str(), to.as_str(), Some("why"), true)
                            == Expected::To(to.as_str())
                    })
                    .collect();
                let mut listed = allowed_transitions(&access, from);
                listed.sort_by_key(|status| *status as usize);
                assert_eq!(listed, expected, "{access:?} {from}");
            }
        }
    }

    fn caller(system: SystemRole, org_role: OrgRole, org_type: OrgType) -> Access {
        Access::new(system, org_role, org_type, MembershipStatus::Active)
    }

    /// Every system role acting as an active admin of a platform-owner organization, where
    /// nothing but the system role decides.
    fn allowed_roles(from: DocumentStatus, to: DocumentStatus) -> Vec<SystemRole> {
        SystemRole::ALL
            .into_iter()
            .filter(|role| {
                let access = caller(*role, OrgRole::Admin, OrgType::PlatformOwner);
                transition(&access, from, to, Some("why"), passing).is_ok()
            })
            .collect()
    }

    macro_rules! rows {
        ($($test:ident: $from:ident => $to:ident by [$($role:ident),+],)+) => {
            $(
                #[test]
                fn $test() {
                    let expected = vec![$(SystemRole::$role),+];
                    assert_eq!(find_row($from, $to).unwrap().roles, expected.as_slice());
                    assert_eq!(allowed_roles($from, $to), expected);
                }
            )+

            #[test]
            fn the_named_rows_are_the_whole_table() {
                let named = [$(($from, $to)),+];
                assert_eq!(named.len(), TRANSITIONS.len());
                for row in TRANSITIONS {
                    assert!(named.contains(&(row.from, row.to)), "{row:?}");
                }
            }
        };
    }

    rows! {
        row_draft_to_uploaded: Draft => Uploaded by [Admin, Compliance, Supplier],
        row_uploaded_to_validated: Uploaded => Validated by [Admin, Compliance],
        row_uploaded_to_draft: Uploaded => Draft by [Admin, Compliance],
        row_validated_to_compliance_ok: Validated => ComplianceOk by [Admin, Compliance],
        row_validated_to_compliance_failed: Validated => ComplianceFailed by [Admin, Compliance],
        row_compliance_failed_to_uploaded: ComplianceFailed => Uploaded
            by [Admin, Compliance, Supplier],
        row_compliance_ok_to_linked: ComplianceOk => Linked by [Admin, Compliance],
        row_linked_to_archived: Linked => Archived by [Admin],
        row_validated_to_archived: Validated => Archived by [Admin],
        row_compliance_ok_to_archived: ComplianceOk => Archived by [Admin],
        row_compliance_failed_to_archived: ComplianceFailed => Archived by [Admin],
    }

    #[test]
    fn refusal_no_such_transition_covers_same_status_archived_and_skips() {
        let admin = caller(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner);
        for status in DocumentStatus::ALL {
            let refusal = transition(&admin, status, status, Some("x"), passing).unwrap_err();
            assert_eq!(refusal.code(), "INVALID_TRANSITION");
            assert!(!refusal.is_forbidden());
        }
        for to in DocumentStatus::ALL {
            assert!(transition(&admin, Archived, to, Some("x"), passing).is_err());
        }
        assert!(allowed_transitions(&admin, Archived).is_empty());
        let skip = transition(&admin, Draft, Linked, None, passing).unwrap_err();
        assert_eq!(
            skip,
            Refusal::NoSuchTransition {
                from: Draft,
                action: Action::Transition(Linked)
            }
        );
        assert_eq!(
            skip.to_string(),
            "A document cannot move from draft to linked"
        );
        let refusal = approve(&admin, Draft, passing).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "A document in status draft cannot be approved"
        );
        let refusal = reject(&admin, Linked, Some("x")).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "A document in status linked cannot be rejected"
        );
    }

    #[test]
    fn refusal_role_not_allowed() {
        // Logistics agents upload documents but are in no row of the table.
        let agent = caller(
            SystemRole::LogisticsAgent,
            OrgRole::Owner,
            OrgType::LogisticsAgent,
        );
        assert!(agent.allows(Permission::DocumentsUpload));
        let refusal = transition(&agent, Draft, Uploaded, None, passing).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::RoleNotAllowed {
                role: SystemRole::LogisticsAgent,
                from: Draft,
                to: Uploaded
            }
        );
        assert_eq!(refusal.code(), "INSUFFICIENT_PERMISSIONS");
        assert!(refusal.is_forbidden());
        assert_eq!(
            refusal.to_string(),
            "The logistics_agent role may not move a document from draft to uploaded"
        );
        // Only admins archive.
        let compliance = caller(
            SystemRole::Compliance,
            OrgRole::Owner,
            OrgType::PlatformOwner,
        );
        assert!(matches!(
            transition(&compliance, Linked, Archived, None, passing),
            Err(Refusal::RoleNotAllowed { .. })
        ));
    }

    #[test]
    fn refusal_access_denied_names_the_most_telling_rule() {
        use Decision::*;
        let denied =
            |access: Access, from, to| match transition(&access, from, to, Some("x"), passing) {
                Err(Refusal::AccessDenied(decision)) => decision,
                other => panic!("{other:?}"),
            };
        let supplier_in = |org_role, org_type| caller(SystemRole::Supplier, org_role, org_type);
        // A supplier in a buyer organization: told about the organization, not the role.
        assert_eq!(
            denied(
                supplier_in(OrgRole::Member, OrgType::Buyer),
                Draft,
                Uploaded
            ),
            BuyerOrganizationReadOnly
        );
        assert_eq!(
            denied(
                supplier_in(OrgRole::Viewer, OrgType::Supplier),
                ComplianceFailed,
                Uploaded
            ),
            OrganizationViewerReadOnly
        );
        let suspended = Access::new(
            SystemRole::Admin,
            OrgRole::Owner,
            OrgType::PlatformOwner,
            MembershipStatus::Suspended,
        );
        assert_eq!(denied(suspended, Uploaded, Validated), MembershipSuspended);
        let refusal = Refusal::AccessDenied(OrganizationViewerReadOnly);
        assert_eq!(refusal.code(), "INSUFFICIENT_PERMISSIONS");
        assert!(refusal.is_forbidden());
        assert_eq!(
            refusal.to_string(),
            "Organization viewers read documents but do not change them"
        );
        assert_eq!(
            Refusal::AccessDenied(MembershipSuspended).to_string(),
            "Your membership in this organization is suspended"
        );
    }

    #[test]
    fn suppliers_submit_and_resubmit_with_their_upload_permission() {
        let supplier = caller(SystemRole::Supplier, OrgRole::Member, OrgType::Supplier);
        assert!(!supplier.allows(Permission::DocumentsTransition));
        assert_eq!(allowed_transitions(&supplier, Draft), vec![Uploaded]);
        assert_eq!(
            allowed_transitions(&supplier, ComplianceFailed),
            vec![Uploaded]
        );
        let change = transition(&supplier, ComplianceFailed, Uploaded, None, passing).unwrap();
        assert_eq!(
            change,
            Move {
                from: ComplianceFailed,
                to: Uploaded,
                validation: None
            }
        );
        // Approving or rejecting needs the review permissions, which suppliers lack.
        assert!(matches!(
            approve(&supplier, Uploaded, passing),
            Err(Refusal::RoleNotAllowed { .. })
        ));
    }

    #[test]
    fn refusal_notes_required_on_both_routes_to_a_rejection() {
        let reviewer = caller(
            SystemRole::Compliance,
            OrgRole::Admin,
            OrgType::PlatformOwner,
        );
        for notes in [None, Some(""), Some("   ")] {
            assert_eq!(
                reject(&reviewer, Uploaded, notes),
                Err(Refusal::NotesRequired)
            );
            assert_eq!(
                transition(&reviewer, Validated, ComplianceFailed, notes, passing),
                Err(Refusal::NotesRequired)
            );
        }
        assert_eq!(Refusal::NotesRequired.code(), "NOTES_REQUIRED");
        assert_eq!(
            reject(&reviewer, Validated, Some(" wrong consignee "))
                .unwrap()
                .to,
            ComplianceFailed
        );
        assert_eq!(
            reject(&reviewer, Uploaded, Some("blurred")).unwrap().to,
            Draft
        );
        // Other moves take notes or not.
        assert!(transition(&reviewer, Validated, ComplianceOk, None, passing).is_ok());
    }

    #[test]
    fn refusal_field_rules_failed_on_every_way_into_validated() {
        let reviewer = caller(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner);
        let refusal = approve(&reviewer, Uploaded, failing).unwrap_err();
        assert_eq!(refusal, Refusal::FieldRulesFailed(failing()));
        assert_eq!(refusal.code(), "VALIDATION_FAILED");
        assert!(!refusal.is_forbidden());
        assert_eq!(
            refusal.to_string(),
            "The document does not pass its field rules (1 error(s))"
        );
        assert_eq!(
            transition(&reviewer, Uploaded, Validated, None, failing),
            Err(Refusal::FieldRulesFailed(failing()))
        );
        // Warnings do not block, and come back with the move.
        let warned = RuleReport::from_issues(vec![issue(Severity::Warning)]);
        let change = approve(&reviewer, Uploaded, || warned.clone()).unwrap();
        assert_eq!(change.to, Validated);
        assert_eq!(change.validation, Some(warned));
    }

    #[test]
    fn the_rules_run_only_for_a_move_into_validated() {
        let admin = caller(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner);
        let runs = Cell::new(0);
        let counted = || {
            runs.set(runs.get() + 1);
            failing()
        };
        for from in DocumentStatus::ALL {
            for to in DocumentStatus::ALL {
                let _ = transition(&admin, from, to, Some("x"), counted);
            }
            let _ = approve(&admin, from, counted);
        }
        // uploaded → validated, once by transition and once by approve.
        assert_eq!(runs.get(), 2);
        // A refused caller never gets as far as the rules.
        let viewer = caller(SystemRole::Viewer, OrgRole::Viewer, OrgType::PlatformOwner);
        let _ = approve(&viewer, Uploaded, counted);
        assert_eq!(runs.get(), 2);
    }

    #[test]
    fn named_actions_are_moves_of_the_table() {
        for from in DocumentStatus::ALL {
            for action in [Action::Approve, Action::Reject] {
                if let Some(to) = action.target(from) {
                    assert!(find_row(from, to).is_some(), "{action:?} from {from}");
                    // Approvals never reject, rejections never validate.
                    assert_ne!(
                        action == Action::Approve,
                        Action::Reject.target(from) == Some(to)
                    );
                    assert!(action == Action::Approve || to != Validated);
                }
            }
        }
    }

    #[test]
    fn status_info_names_every_move_out_of_a_status() {
        // The button each move is offered under.
        let action_of = |from: DocumentStatus, to: DocumentStatus| match (from, to) {
            (Draft, Uploaded) => "submit",
            (Uploaded, Validated) => "validate",
            (ComplianceFailed, Uploaded) => "resubmit",
            (ComplianceOk, Linked) => "link",
            (_, Archived) => "archive",
            (_, Draft | ComplianceFailed) => "reject",
            _ => "approve",
        };
        for status in DocumentStatus::ALL {
            let info = status_info(status);
            assert_eq!(info.status, status);
            let mut expected: Vec<&str> = TRANSITIONS
                .iter()
                .filter(|row| row.from == status)
                .map(|row| action_of(row.from, row.to))
                .collect();
            let mut actions = info.actions.to_vec();
            expected.sort_unstable();
            actions.sort_unstable();
            assert_eq!(actions, expected, "{status}");
        }
        let json = serde_json::to_value(status_info(Uploaded)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "status": "uploaded",
                "display": "Pending Review",
                "color": "yellow",
                "actions": ["validate", "reject"],
            })
        );
        assert_eq!(status_info(ComplianceOk).display, "Compliant");
        assert_eq!(status_info(ComplianceFailed).display, "Issues Found");
    }

    #[test]
    fn summary_counts_and_progress() {
        let summary = WorkflowSummary::of([
            Linked,
            ComplianceOk,
            Uploaded,
            Validated,
            ComplianceFailed,
            Draft,
            Archived,
        ]);
        assert_eq!(summary.total, 7);
        assert_eq!(summary.complete, 2);
        assert_eq!(summary.pending_review, 2);
        assert_eq!(summary.failed, 1);
        assert_eq!(summary.draft, 1);
        // 2 of the 6 documents not archived: 33.3 %, rounded down.
        assert_eq!(summary.progress_percent, 33);
        for status in DocumentStatus::ALL {
            assert_eq!(summary.by_status.get(status), 1);
        }
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "total": 7,
                "by_status": {
                    "draft": 1, "uploaded": 1, "validated": 1, "compliance_ok": 1,
                    "compliance_failed": 1, "linked": 1, "archived": 1,
                },
                "complete": 2,
                "pending_review": 2,
                "failed": 1,
                "draft": 1,
                "progress_percent": 33,
            })
        );
    }

    #[test]
    fn summary_progress_edges() {
        let empty = WorkflowSummary::of([]);
        assert_eq!((empty.total, empty.progress_percent), (0, 0));
        assert_eq!(
            serde_json::to_value(&empty).unwrap()["by_status"]["linked"],
            0
        );
        assert_eq!(
            WorkflowSummary::of([Archived, Archived]).progress_percent,
            0
        );
        assert_eq!(
            WorkflowSummary::of([Linked, ComplianceOk]).progress_percent,
            100
        );
        assert_eq!(
            WorkflowSummary::of([Linked, Archived]).progress_percent,
            100
        );
        // 199 of 200: not yet 100.
        let almost = std::iter::repeat_n(Linked, 199).chain([Uploaded]);
        assert_eq!(WorkflowSummary::of(almost).progress_percent, 99);
        assert_eq!(
            WorkflowSummary::of([Validated, Linked]).progress_percent,
            50
        );
    }
}
