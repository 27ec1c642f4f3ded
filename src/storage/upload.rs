//! Streaming uploads: check the head, then write part by part, all or nothing.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::{MultipartUpload, ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;

use super::{StorageKey, StoreError, Stored, PARTS_IN_FLIGHT, SNIFF_BYTES};

/// Why an upload stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum PutError<E, R> {
    #[error("the document is empty")]
    Empty,
    #[error("the document is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The content check said no (its own reason).
    #[error("the document's content was refused")]
    Refused(R),
    /// Reading the body failed (typically: the client went away).
    #[error("reading the upload failed: {0}")]
    Body(E),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Size and checksum of what has been read, and the size limit.
struct Tally {
    size: u64,
    limit: u64,
    sha256: Sha256,
}

impl Tally {
    fn add<E, R>(&mut self, chunk: &[u8]) -> Result<(), PutError<E, R>> {
        let size = self.size + chunk.len() as u64;
        if size > self.limit {
            return Err(PutError::TooLarge { limit: self.limit });
        }
        self.size = size;
        self.sha256.update(chunk);
        Ok(())
    }
}

impl super::Storage {
    /// Stores `body` under `key`, reading at most `limit_bytes`.
    ///
    /// The first [`SNIFF_BYTES`] (or the whole body, when smaller) are read before anything
    /// is written and handed to `check_head`, which decides what the content is; a refusal
    /// stores nothing. The rest streams to the store a part at a time (see
    /// [`super::PARTS_IN_FLIGHT`]); a document that fits in one part is written with one
    /// request. On every error — too large, the body failing, the store failing — nothing
    /// is left under `key`: a started multipart upload is aborted, also when the returned
    /// future is dropped halfway.
    pub async fn put_stream<S, E, T, R>(
        &self,
        key: &StorageKey,
        mut body: S,
        limit_bytes: u64,
        check_head: impl FnOnce(&[u8]) -> Result<T, R>,
    ) -> Result<Stored<T>, PutError<E, R>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        debug_assert!(self.part_size >= SNIFF_BYTES);
        let mut tally = Tally {
            size: 0,
            limit: limit_bytes,
            sha256: Sha256::new(),
        };
        let mut check_head = Some(check_head);
        let mut head_result = None;
        let mut upload: Option<PendingUpload> = None;
        // The part being filled; the first one is also the head the check reads.
        let mut part: Vec<u8> = Vec::new();
        let streamed: Result<(), PutError<E, R>> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(PutError::Body)?;
                tally.add(&chunk)?;
                let mut rest = &chunk[..];
                while !rest.is_empty() {
                    let take = rest.len().min(self.part_size - part.len());
                    part.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if let Some(check) = check_head.take_if(|_| part.len() >= SNIFF_BYTES) {
                        head_result = Some(check(&part[..SNIFF_BYTES]).map_err(PutError::Refused)?);
                    }
                    if part.len() == self.part_size {
                        let pending = match &mut upload {
                            Some(pending) => pending,
                            None => upload.insert(PendingUpload::start(&self.store, key).await?),
                        };
                        pending.send(std::mem::take(&mut part)).await?;
                    }
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = streamed {
            if let Some(pending) = upload.take() {
                pending.abort().await;
            }
            return Err(e);
        }
        if tally.size == 0 {
            return Err(PutError::Empty);
        }
        let head_result = match (head_result, check_head) {
            (Some(result), _) => result,
            // The whole body is shorter than the head.
            (None, Some(check)) => check(&part).map_err(PutError::Refused)?,
            (None, None) => unreachable!("the check runs once, and its result is kept"),
        };
        match upload {
            None => {
                self.store
                    .put(&key.path(), PutPayload::from(part))
                    .await
                    .map_err(StoreError::new("store a document"))?;
            }
            Some(mut pending) => {
                let finished = async {
                    if !part.is_empty() {
                        pending.send(part).await?;
                    }
                    pending.complete().await
                }
                .await;
                if let Err(e) = finished {
                    pending.abort().await;
                    // A failed completion may still have made the object: take it back.
                    let _ = self.store.delete(&key.path()).await;
                    return Err(e.into());
                }
            }
        }
        Ok(Stored {
            size: tally.size,
            sha256: tally.sha256.finalize().into(),
            head_result,
        })
    }
}

/// A multipart upload in progress. Dropped before [`PendingUpload::complete`] or
/// [`PendingUpload::abort`] (the request's future was dropped), it aborts itself in the
/// background so that no half-written object stays behind.
struct PendingUpload {
    upload: Option<Box<dyn MultipartUpload>>,
    in_flight: JoinSet<object_store::Result<()>>,
    key: String,
}

impl PendingUpload {
    async fn start(
        store: &std::sync::Arc<dyn ObjectStore>,
        key: &StorageKey,
    ) -> Result<Self, StoreError> {
        let upload = store
            .put_multipart(&key.path())
            .await
            .map_err(StoreError::new("start an upload"))?;
        Ok(Self {
            upload: Some(upload),
            in_flight: JoinSet::new(),
            key: key.to_string(),
        })
    }

    /// Sends a part once fewer than [`PARTS_IN_FLIGHT`] are being written.
    async fn send(&mut self, part: Vec<u8>) -> Result<(), StoreError> {
        while self.in_flight.len() >= PARTS_IN_FLIGHT {
            self.finish_one().await?;
        }
        let upload = self.upload.as_mut().expect("an upload in progress");
        self.in_flight
            .spawn(upload.put_part(PutPayload::from(part)));
        Ok(())
    }

    async fn finish_one(&mut self) -> Result<(), StoreError> {
        let written = match self.in_flight.join_next().await {
            None => return Ok(()),
            Some(Ok(written)) => written,
            Some(Err(join)) => Err(object_store::Error::Generic {
                store: "upload",
                source: Box::new(join),
            }),
        };
        written.map_err(StoreError::new("write a part of a document"))
    }

    async fn complete(&mut self) -> Result<(), StoreError> {
        while !self.in_flight.is_empty() {
            self.finish_one().await?;
        }
        let upload = self.upload.as_mut().expect("an upload in progress");
        upload
            .complete()
            .await
            .map_err(StoreError::new("complete an upload"))?;
        self.upload = None;
        Ok(())
    }

    async fn abort(mut self) {
        self.in_flight.shutdown().await;
        if let Some(mut upload) = self.upload.take() {
            if let Err(e) = upload.abort().await {
                tracing::warn!(key = %self.key, "aborting a failed upload: {e}");
            }
        }
    }
}

impl Drop for PendingUpload {
    fn drop(&mut self) {
        let Some(mut upload) = self.upload.take() else {
            return;
        };
        self.in_flight.abort_all();
        let key = std::mem::take(&mut self.key);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = upload.abort().await {
                        tracing::warn!(%key, "aborting an abandoned upload: {e}");
                    }
                });
            }
            Err(_) => tracing::warn!(%key, "an abandoned upload could not be aborted"),
        }
    }
}
