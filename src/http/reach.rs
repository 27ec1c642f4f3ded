//! The one way a handler opens the transaction it works in, by what the request reaches.
//!
//! * [`Reach::Current`]: the caller's current organization (the token's).
//! * [`Reach::Organization`]: an organization named in the request. The caller's current one
//!   opens normally; any other only for platform admins, through the audited platform path
//!   in *that* organization (the `platform.access` row lands there), and an id that is no
//!   organization is 404 like one the caller may not see. Everyone else gets 404: another
//!   organization — even one the caller belongs to — is reached by switching to it first.
//! * [`Reach::Everywhere`]: what platform admins see across organizations (every account,
//!   every invitation, every organization); the access is audited in the caller's own
//!   organization. Everyone else gets their current organization.
//!
//! Row-level security then confines every query to what the transaction's context allows.

use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use crate::db::tenant::{TenantContext, TenantTx};
use crate::db::violation::is_missing_reference;

/// What a request reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Current,
    Organization(Uuid),
    Everywhere,
}

/// Whether the opened transaction spans every organization (the platform path) or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// One organization: the transaction's context.
    One(Uuid),
    /// The audited platform path.
    Platform,
}

impl CurrentUser {
    /// Opens the transaction for `reach`; `reason` is what the audit row of a platform access
    /// says was done.
    pub async fn open(
        &mut self,
        reach: Reach,
        reason: &str,
    ) -> Result<(TenantTx, Opened), ApiError> {
        let platform = self.access().is_platform_admin();
        let target = match reach {
            Reach::Current => self.organization_id,
            Reach::Organization(id) => id,
            Reach::Everywhere if platform => {
                let tx = self.platform_tx(self.organization_id, reason).await?;
                return Ok((tx, Opened::Platform));
            }
            Reach::Everywhere => self.organization_id,
        };
        if target == self.organization_id {
            return Ok((self.begin().await?, Opened::One(target)));
        }
        if !platform {
            return Err(ApiError::NotFound);
        }
        let tx = self.platform_tx(target, reason).await?;
        Ok((tx, Opened::One(target)))
    }

    /// [`CurrentUser::open`] for the reaches that always give one organization.
    pub async fn open_in(
        &mut self,
        organization_id: Uuid,
        reason: &str,
    ) -> Result<TenantTx, ApiError> {
        Ok(self
            .open(Reach::Organization(organization_id), reason)
            .await?
            .0)
    }

    async fn platform_tx(
        &mut self,
        organization_id: Uuid,
        reason: &str,
    ) -> Result<TenantTx, ApiError> {
        let context = TenantContext {
            organization_id,
            user_id: Some(self.user_id),
        };
        let actor = self.user_id.to_string();
        self.begin_platform(context, &actor, reason)
            .await
            // The access is audited under the target organization, whose foreign key fails
            // for an organization that does not exist.
            .map_err(|e| {
                if is_missing_reference(&e) {
                    ApiError::NotFound
                } else {
                    e.into()
                }
            })
    }
}
