//! The pure domain layer: values that are valid by construction and the rules between them.
//!
//! Nothing here does I/O, touches the database or awaits. Handlers turn request fields into
//! these types at the boundary (`ContainerNumber::parse`, `Email::parse`, …) and the rest of
//! the program never sees an unchecked string; the database layer maps enums to and from
//! their stored labels with the `as_str` / `parse` (or `db_label` / `from_db_label`) pairs.
//!
//! * [`roles`]: system roles and the permission matrix; organization roles, types and
//!   permissions; membership and invitation statuses.
//! * [`access`]: how those combine into one allow/deny decision per request.
//! * [`container_number`]: ISO 6346 container numbers with check digit.
//! * [`locode`]: UN/LOCODE port codes.
//! * [`password`]: password strength rules.
//! * [`email`]: normalized e-mail addresses.
//! * [`invitation`]: invitation tokens, who may invite whom, and when a token is usable.
//! * [`slug`]: organization slugs.
//! * [`throttle`]: login throttling keys and limits.
//! * [`user_admin`]: who may read and manage which user account.
//! * [`organization`]: organization names, types and statuses; who may change whose
//!   membership, and the last-admin rule.
//! * [`document`]: document types and statuses, the review workflow, field rules, the
//!   required-documents matrix and completeness, expiry, content sniffing, classification.
//! * [`shipment`]: shipment statuses, party types, HS codes, the list cursor, the delete rule.
//! * [`text`]: length bounds of free text and search terms.
//! * [`tracking`]: container event types, carriers by prefix, and what an event or a new
//!   ETA does to its shipment.
//! * [`notification`]: the kinds of notification and who follows a shipment.
//!
//! Each module has its own error type, whose messages are written to be shown to a user as
//! a 422 field error.

pub mod access;
#[macro_use]
mod api_enum;
pub mod container_number;
pub mod document;
pub mod email;
pub mod invitation;
pub mod locode;
pub mod notification;
pub mod organization;
pub mod password;
pub mod roles;
pub mod shipment;
pub mod slug;
pub mod text;
pub mod throttle;
pub mod tracking;
pub mod user_admin;

pub use access::{Access, Decision};
pub use container_number::{ContainerNumber, ContainerNumberError, EquipmentCategory};
pub use email::{Email, EmailError};
pub use locode::{UnLocode, UnLocodeError};
pub use organization::{
    check_member_add, check_member_change, MemberChange, MemberRuleError, MemberTarget,
    OrganizationStatus, PLATFORM_ORGANIZATION_ID,
};
pub use password::{check_password_rules, PasswordRule};
pub use roles::{
    org_permissions, InvitationStatus, MembershipStatus, OrgPermission, OrgRole, OrgType,
    Permission, SystemRole, UnknownLabel,
};
pub use shipment::{
    contains_pattern, may_delete, parse_timestamp, BadCursor, BadTimestamp, Dependents,
    HasDependents, HsCode, HsCodeError, ListCursor, PartyType, ShipmentStatus,
};
pub use slug::{slugify, Slug, SlugError};
pub use throttle::ThrottlePolicy;
