//! Where documents go: a local directory, or an S3-compatible bucket named by `STORAGE_URL`.

use std::fmt;
use std::path::PathBuf;

/// The documents' home, decided once from the configuration (see `crate::config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// A folder on this machine (`UPLOAD_DIR`), created when missing.
    Local { dir: PathBuf },
    /// A bucket (`STORAGE_URL=s3://bucket/optional/prefix`).
    S3(S3Config),
}

/// An S3 (or S3-compatible) bucket and how to reach it. Its `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Prepended to every key (`s3://bucket/this/prefix`), without slashes at either end.
    pub prefix: Option<String>,
    /// `AWS_REGION` (default `us-east-1`).
    pub region: Option<String>,
    /// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`): an S3-compatible server. Requests then use
    /// path-style addressing, and plain http is allowed when the endpoint says `http://`.
    pub endpoint: Option<String>,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. Without a key pair
    /// the instance's role (EC2 metadata) is asked for credentials.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

/// The raw settings, as read from the environment by `crate::config`.
#[derive(Debug, Clone, Default)]
pub struct StorageSettings {
    pub url: Option<String>,
    pub upload_dir: PathBuf,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

/// A storage setting that cannot work; the message names the variable, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StorageConfigError(String);

impl StorageConfig {
    /// Checks the settings. An unset or empty `STORAGE_URL` means the local `UPLOAD_DIR`.
    pub fn from_settings(settings: StorageSettings) -> Result<Self, StorageConfigError> {
        let Some(url) = settings
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(Self::Local {
                dir: settings.upload_dir,
            });
        };
        let (bucket, prefix) = parse_s3_url(url)?;
        let endpoint = settings
            .endpoint
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(parse_endpoint)
            .transpose()?;
        let nonempty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let access_key_id = nonempty(settings.access_key_id);
        let secret_access_key = nonempty(settings.secret_access_key);
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err(StorageConfigError(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both or neither"
                    .into(),
            ));
        }
        Ok(Self::S3(S3Config {
            bucket,
            prefix,
            region: nonempty(settings.region).map(|r| r.trim().to_string()),
            endpoint,
            access_key_id,
            secret_access_key,
            session_token: nonempty(settings.session_token),
        }))
    }
}

/// `s3://bucket[/prefix]` → (bucket, prefix). The text is not echoed in errors: someone may
/// have put a key pair in it.
fn parse_s3_url(text: &str) -> Result<(String, Option<String>), StorageConfigError> {
    let refuse = |why: &str| {
        StorageConfigError(format!(
            "STORAGE_URL must look like s3://bucket or s3://bucket/prefix ({why}); unset, documents go to UPLOAD_DIR"
        ))
    };
    let rest = text
        .strip_prefix("s3://")
        .ok_or_else(|| refuse("only s3:// is supported"))?;
    if rest.contains(['@', '?', '#', '\\']) || rest.chars().any(char::is_whitespace) {
        return Err(refuse(
            "no credentials, query or fragment; credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ));
    }
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if !valid_bucket_name(bucket) {
        return Err(refuse(
            "a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        return Ok((bucket.to_string(), None));
    }
    if object_store::path::Path::parse(prefix).is_err() || prefix.contains('%') {
        return Err(refuse(
            "the prefix has an empty, '.' or '..' segment or a character keys cannot hold",
        ));
    }
    Ok((bucket.to_string(), Some(prefix.to_string())))
}

fn valid_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'))
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

fn parse_endpoint(text: &str) -> Result<String, StorageConfigError> {
    let refuse = || {
        StorageConfigError(
            "AWS_ENDPOINT_URL must be an http(s) address like https://s3.example.com or http://127.0.0.1:9000, without credentials"
                .into(),
        )
    };
    let url = url::Url::parse(text).map_err(|_| refuse())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if !plain {
        return Err(refuse());
    }
    Ok(text.trim_end_matches('/').to_string())
}

impl S3Config {
    /// `s3://bucket/prefix`, for logs.
    pub fn url(&self) -> String {
        match &self.prefix {
            Some(prefix) => format!("s3://{}/{prefix}", self.bucket),
            None => format!("s3://{}", self.bucket),
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "[redacted]");
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &hidden(&self.secret_access_key))
            .field("session_token", &hidden(&self.session_token))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> StorageSettings {
        StorageSettings {
            url: Some(url.to_string()),
            upload_dir: PathBuf::from("uploads"),
            ..Default::default()
        }
    }

    #[test]
    fn no_storage_url_means_the_upload_dir() {
        for url in [None, Some(""), Some("  ")] {
            let config = StorageConfig::from_settings(StorageSettings {
                url: url.map(String::from),
                upload_dir: PathBuf::from("/srv/docs"),
                ..Default::default()
            })
            .unwrap();
            assert_eq!(
                config,
                StorageConfig::Local {
                    dir: PathBuf::from("/srv/docs")
                }
            );
        }
    }

    #[test]
    fn an_s3_url_names_a_bucket_and_an_optional_prefix() {
        for (url, bucket, prefix) in [
            ("s3://documents", "documents", None),
            ("s3://documents/", "documents", None),
            (
                "s3://my.docs-1/tracehub/prod/",
                "my.docs-1",
                Some("tracehub/prod"),
            ),
        ] {
            let StorageConfig::S3(s3) = StorageConfig::from_settings(settings(url)).unwrap() else {
                panic!("{url}: not S3");
            };
            assert_eq!(s3.bucket, bucket, "{url}");
            assert_eq!(s3.prefix.as_deref(), prefix, "{url}");
        }
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for url in [
            "file:///srv/docs",
            "https://bucket.s3.amazonaws.com",
            "s3://AKIA:topsecret@bucket",
            "s3://Bucket",
            "s3://ab",
            "s3://-bucket",
            "s3://bucket/a//b",
            "s3://bucket/a/../b",
            "s3://bucket/a?x=topsecret",
            "s3://bucket/%41",
        ] {
            let err = StorageConfig::from_settings(settings(url))
                .unwrap_err()
                .to_string();
            assert!(err.contains("STORAGE_URL"), "{url}: {err}");
            assert!(!err.contains("topsecret"), "{url}: {err}");
        }
    }

    #[test]
    fn endpoints_and_credentials_are_checked() {
        let with = |endpoint: &str, key: Option<&str>, secret: Option<&str>| {
            StorageConfig::from_settings(StorageSettings {
                endpoint: Some(endpoint.to_string()),
                access_key_id: key.map(String::from),
                secret_access_key: secret.map(String::from),
                ..settings("s3://bucket")
            })
        };
        let StorageConfig::S3(s3) =
            with("http://127.0.0.1:9000/", Some("key"), Some("topsecret")).unwrap()
        else {
            panic!("not S3");
        };
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        let printed = format!("{s3:?}");
        assert!(!printed.contains("topsecret"), "{printed}");
        assert!(with("", None, None).is_ok());
        for bad in ["127.0.0.1:9000", "ftp://x", "http://user:topsecret@x"] {
            let err = with(bad, None, None).unwrap_err().to_string();
            assert!(err.contains("AWS_ENDPOINT_URL"), "{bad}: {err}");
            assert!(!err.contains("topsecret"), "{err}");
        }
        assert!(with("https://s3.example.com", Some("key"), None).is_err());
        assert!(with("https://s3.example.com", None, Some("topsecret")).is_err());
    }
}
