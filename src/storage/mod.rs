//! Documents' bytes behind one interface: a local directory or an S3-compatible bucket
//! (`object_store` does both). Uploads stream in constant memory and are checked by content
//! before a byte is written; downloads stream, whole or by range.

mod config;
mod key;
mod range;
mod upload;

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload};
use sha2::{Digest, Sha256};

pub use config::{S3Config, StorageConfig, StorageConfigError, StorageSettings};
pub use key::{InvalidKey, StorageKey};
pub use range::ByteRange;
pub use upload::PutError;

/// How much of an upload the content check sees (or all of it, when smaller).
pub const SNIFF_BYTES: usize = 64 * 1024;
/// Part size of uploads to S3: its minimum for every part but the last.
pub const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// Part size of uploads to a local directory (no minimum there; smaller parts, less memory).
pub const LOCAL_PART_BYTES: usize = 512 * 1024;
/// Parts being written while the next one fills. An upload holds at most
/// `part size × (PARTS_IN_FLIGHT + 1)` bytes: 10 MiB on S3, 1 MiB locally.
pub const PARTS_IN_FLIGHT: usize = 1;
/// The region used when `AWS_REGION` is unset.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The document store. Cheap to clone: every clone shares one client.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: Arc<str>,
    part_size: usize,
}

/// What an upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    pub size: u64,
    pub sha256: [u8; 32],
    /// What the content check returned (e.g. the content type it recognised).
    pub head_result: T,
}

impl<T> Stored<T> {
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// A download: the object's whole size, the bytes served and their stream.
pub struct Fetched {
    /// Size of the whole object (for `Content-Range: bytes a-b/size`).
    pub size: u64,
    /// The bytes `body` yields, `start..end` (end exclusive).
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, StoreError>>,
}

impl Fetched {
    /// Fewer bytes than the whole object (a 206 rather than a 200).
    pub fn is_partial(&self) -> bool {
        self.range != (0..self.size)
    }

    /// Bytes in `body`.
    pub fn len(&self) -> u64 {
        self.range.end - self.range.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("size", &self.size)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// The store failed (network, permissions, disk). The message names the operation; its
/// source (`{:#}` shows it) the key and the store's answer, never credentials.
#[derive(Debug, thiserror::Error)]
#[error("document storage could not {action}")]
pub struct StoreError {
    action: &'static str,
    #[source]
    source: object_store::Error,
}

impl StoreError {
    fn new(action: &'static str) -> impl Fn(object_store::Error) -> Self {
        move |source| Self { action, source }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GetError {
    #[error("the document is not in storage")]
    NotFound,
    #[error("the requested range lies outside the document ({size} bytes)")]
    RangeNotSatisfiable { size: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The store cannot be set up (a folder that cannot be created, an unusable S3 setting).
#[derive(Debug, thiserror::Error)]
#[error("cannot open document storage {description}: {reason}")]
pub struct OpenError {
    description: String,
    reason: String,
}

impl Storage {
    /// The store the configuration names.
    pub fn open(config: &StorageConfig) -> Result<Self, OpenError> {
        match config {
            StorageConfig::Local { dir } => Self::local(dir),
            StorageConfig::S3(s3) => Self::s3(s3),
        }
    }

    /// Memory only, gone with the process: the store of a state nobody configured (tests
    /// and benchmarks that never touch documents). The server always opens its configured one.
    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            description: "memory".into(),
            part_size: LOCAL_PART_BYTES,
        }
    }

    /// A local directory, created when missing.
    pub fn local(dir: impl AsRef<Path>) -> Result<Self, OpenError> {
        let dir = dir.as_ref();
        let fail = |reason: String| OpenError {
            description: format!("folder {}", dir.display()),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let dir = std::path::absolute(dir).map_err(|e| fail(e.to_string()))?;
        let store = LocalFileSystem::new_with_prefix(&dir)
            .map_err(|e| fail(e.to_string()))?
            // Deleting a shipment's last document removes its emptied folders.
            .with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            description: format!("folder {}", dir.display()).into(),
            part_size: LOCAL_PART_BYTES,
        })
    }

    /// An S3 bucket, or a bucket on an S3-compatible server when an endpoint is set.
    pub fn s3(config: &S3Config) -> Result<Self, OpenError> {
        let mut description = config.url();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(config.region.as_deref().unwrap_or(DEFAULT_REGION));
        if let (Some(key), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        if let Some(token) = &config.session_token {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = &config.endpoint {
            description = format!("{description} at {endpoint}");
            // S3-compatible servers rarely have a host name per bucket.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let bucket = builder.build().map_err(|e| OpenError {
            description: description.clone(),
            reason: e.to_string(),
        })?;
        let store: Arc<dyn ObjectStore> = match &config.prefix {
            Some(prefix) => Arc::new(PrefixStore::new(bucket, prefix.as_str())),
            None => Arc::new(bucket),
        };
        Ok(Self {
            store,
            description: description.into(),
            part_size: S3_PART_BYTES,
        })
    }

    /// Where the documents are, for logs (`folder /srv/uploads`, `s3://bucket/prefix`).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stores a small object from memory (a restore, a generated file).
    pub async fn put_bytes(
        &self,
        key: &StorageKey,
        bytes: Bytes,
    ) -> Result<Stored<()>, StoreError> {
        let sha256 = Sha256::digest(&bytes).into();
        let size = bytes.len() as u64;
        self.store
            .put(&key.path(), PutPayload::from(bytes))
            .await
            .map_err(StoreError::new("store a document"))?;
        Ok(Stored {
            size,
            sha256,
            head_result: (),
        })
    }

    /// Streams an object, whole or the part `range` asks for.
    pub async fn get(
        &self,
        key: &StorageKey,
        range: Option<ByteRange>,
    ) -> Result<Fetched, GetError> {
        let path = key.path();
        let not_found = |e: object_store::Error| match e {
            object_store::Error::NotFound { .. } => GetError::NotFound,
            other => GetError::Store(StoreError::new("read a document")(other)),
        };
        let options = match range {
            None => GetOptions::default(),
            Some(range) => {
                // Objects never change once written (a new version is a new key), so the size
                // read here is the size served below.
                let size = self.store.head(&path).await.map_err(not_found)?.size;
                let bytes = range
                    .resolve(size)
                    .ok_or(GetError::RangeNotSatisfiable { size })?;
                GetOptions {
                    range: Some(GetRange::Bounded(bytes)),
                    ..GetOptions::default()
                }
            }
        };
        let result = self
            .store
            .get_opts(&path, options)
            .await
            .map_err(not_found)?;
        let size = result.meta.size;
        let range = result.range.clone();
        let body = result
            .into_stream()
            .map_err(StoreError::new("read a document"))
            .boxed();
        Ok(Fetched { size, range, body })
    }

    pub async fn exists(&self, key: &StorageKey) -> Result<bool, StoreError> {
        match self.store.head(&key.path()).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(StoreError::new("look up a document")(e)),
        }
    }

    /// Removes an object; one that is not there is not an error.
    pub async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        match self.store.delete(&key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StoreError::new("delete a document")(e)),
        }
    }

    /// Every object (under `prefix`, whole `/`-separated segments, e.g. an organization id)
    /// with its size, sorted by key: for backups, audits and tests.
    pub async fn list(&self, prefix: Option<&str>) -> Result<Vec<(String, u64)>, StoreError> {
        let prefix = prefix.map(object_store::path::Path::from);
        let mut objects: Vec<(String, u64)> = self
            .store
            .list(prefix.as_ref())
            .map_ok(|meta| (meta.location.to_string(), meta.size))
            .try_collect()
            .await
            .map_err(StoreError::new("list documents"))?;
        objects.sort();
        Ok(objects)
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}
