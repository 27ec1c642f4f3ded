//! Offset pagination in the predecessor's shape: `{items, total, page, limit, pages}`, with
//! `page ≥ 1` and `limit` in 1..=100 (default 20). Lists that can grow without bound
//! (shipments) use keyset pagination instead.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::Fields;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
/// The highest page number: the largest `int32`, the format the document gives `page`.
pub const MAX_PAGE: u32 = i32::MAX as u32;

/// The `page` and `limit` query parameters (flatten into a route's own query struct).
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub limit: u32,
}

impl PageQuery {
    /// Checks the bounds: 422 naming `page` or `limit` otherwise.
    pub fn validate(self) -> Result<PageRequest, ApiError> {
        let mut fields = Fields::new();
        let page = self.page.unwrap_or(1);
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_PAGE).contains(&page) {
            fields.add("page", format!("must be between 1 and {MAX_PAGE}"));
        }
        if !(1..=MAX_LIMIT).contains(&limit) {
            fields.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
        }
        fields.finish()?;
        Ok(PageRequest { page, limit })
    }
}

impl PageRequest {
    /// The SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.limit)
    }

    /// The SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.limit)
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub limit: u32,
    pub pages: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, request: PageRequest) -> Self {
        let limit = i64::from(request.limit);
        Self {
            items,
            total,
            page: request.page,
            limit: request.limit,
            pages: (total + limit - 1) / limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_page_count() {
        let request = PageQuery::default().validate().unwrap();
        assert_eq!(request, PageRequest { page: 1, limit: 20 });
        assert_eq!(request.offset(), 0);
        let request = PageQuery {
            page: Some(3),
            limit: Some(100),
        }
        .validate()
        .unwrap();
        assert_eq!(request.offset(), 200);
        for (page, limit) in [(0, 20), (1, 0), (1, 101), (MAX_PAGE + 1, 20)] {
            assert!(PageQuery {
                page: Some(page),
                limit: Some(limit)
            }
            .validate()
            .is_err());
        }
        let page = Page::new(vec![1, 2], 41, PageRequest { page: 1, limit: 20 });
        assert_eq!(page.pages, 3);
        assert_eq!(Page::<u8>::new(vec![], 0, request).pages, 0);
    }
}
