//! An S3-compatible server for the tests: s3s (the protocol, with signature checks) over
//! s3s-fs (a temporary directory), on 127.0.0.1 and a free port, in the test process.
//!
//! It runs on a thread and runtime of its own, so it keeps answering while a test blocks (a
//! `tracehub` child process calling it, a current-thread test runtime busy elsewhere). It
//! lives as long as the returned [`S3Server`].
//!
//! ```ignore
//! let s3 = s3::start().await;
//! let storage = s3.storage();                   // our Storage on its bucket
//! let env = s3.env_vars();                      // what `tracehub serve` needs to use it
//! ```

use std::path::PathBuf;

use tracehub::storage::{S3Config, Storage, StorageConfig};

/// A running server with one empty bucket.
pub struct S3Server {
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
    /// The directory behind it (the bucket is a folder in it).
    pub root: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts a server on a free loopback port, with a created bucket and fixed test credentials
/// (requests are signed and checked for real).
pub async fn start() -> S3Server {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("s3")
        .join(uuid::Uuid::new_v4().simple().to_string());
    let bucket = "tracehub-test".to_string();
    std::fs::create_dir_all(root.join(&bucket)).expect("creating the S3 server's directory");
    let (access_key, secret_key) = ("tracehub-test-key", "tracehub-test-secret");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding the S3 server");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let endpoint = format!("http://{}", listener.local_addr().unwrap());

    let mut service = s3s::service::S3ServiceBuilder::new(
        s3s_fs::FileSystem::new(&root).expect("the S3 server's file system"),
    );
    service.set_auth(s3s::auth::SimpleAuth::from_single(access_key, secret_key));
    let service = service.build().into_shared();

    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("s3-test-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the S3 server's runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let accept = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let service = service.clone();
                        tokio::spawn(async move {
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop => {}
                }
            });
        })
        .expect("starting the S3 server thread");

    S3Server {
        endpoint,
        bucket,
        access_key: access_key.to_string(),
        secret_key: secret_key.to_string(),
        region: "us-east-1".to_string(),
        root,
        shutdown: Some(shutdown),
        thread: Some(thread),
    }
}

impl S3Server {
    /// The configuration of our storage on this server's bucket, under `prefix` if given.
    pub fn config(&self, prefix: Option<&str>) -> S3Config {
        S3Config {
            bucket: self.bucket.clone(),
            prefix: prefix.map(String::from),
            region: Some(self.region.clone()),
            endpoint: Some(self.endpoint.clone()),
            access_key_id: Some(self.access_key.clone()),
            secret_access_key: Some(self.secret_key.clone()),
            session_token: None,
        }
    }

    /// Our [`Storage`] on this server's bucket.
    pub fn storage(&self) -> Storage {
        Storage::open(&StorageConfig::S3(self.config(None))).expect("storage on the S3 server")
    }

    /// The environment a `tracehub` process needs to keep its documents here.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STORAGE_URL", format!("s3://{}", self.bucket)),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", self.region.clone()),
            ("AWS_ACCESS_KEY_ID", self.access_key.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_key.clone()),
        ]
    }

    /// Files of uploads in progress that the server keeps beside the bucket (multipart
    /// uploads' parts and records, files being written). Empty once every upload was
    /// completed or aborted. (s3s-fs also keeps a checksum record per object it ever stored,
    /// `.bucket-….internal.json`, even after a delete: not an upload, not listed here.)
    pub fn upload_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.root)
            .expect("reading the S3 server's directory")
            .filter_map(Result::ok)
            .filter(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                name.starts_with(".upload") || name.starts_with(".tmp.")
            })
            .map(|entry| entry.path())
            .collect();
        files.sort();
        files
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
