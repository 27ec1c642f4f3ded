//! Authentication: password hashes, access tokens, and the database doors of revision 008.
//!
//! * [`password`]: argon2id for every new hash; bcrypt hashes from the predecessor still
//!   verify and are replaced after the next successful login.
//! * [`token`]: HS256 JWTs with `sub`, `org`, `iat`, `exp` and `jti` (for logout).
//!
//! The database side (the SECURITY DEFINER functions that answer before a tenant context
//! exists) is `crate::db::sessions`.
//!
//! The HTTP side (routes, the `CurrentUser` extractor) lives in `crate::http::auth`.

pub mod password;
pub mod token;

pub use token::{Claims, TokenError, TokenKeys};
