//! How to reach the CRM.

use crate::error::{CrmError, Operation};
use crate::wire::endpoint::Endpoint;

/// How to reach the CRM: where, with which keys, and how patiently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmConfig {
    /// The API's base URL (`https://api-in21.leadsquared.com`); the paths
    /// `/v2/...` are appended to it.
    pub base_url: String,
    /// The access key, sent as `x-LSQ-AccessKey`.
    pub access_key: String,
    /// The secret key, sent as `x-LSQ-SecretKey`.
    pub secret_key: String,
    /// The time allowed to one attempt (head and body), in milliseconds.
    pub timeout_ms: u64,
    /// How many times a call answered 429 is sent again (see [`crate::backoff`]).
    pub max_retries: u32,
    /// The files host's base URL (`https://files-in21.leadsquared.com`), per
    /// region and not the API's; `/File/Upload` is appended. Empty: files
    /// cannot be uploaded.
    pub files_url: String,
}

impl CrmConfig {
    /// The CRM's endpoint, or [`CrmError::Misconfigured`] naming what is wrong.
    pub fn endpoint(&self, operation: &Operation) -> Result<Endpoint, CrmError> {
        let misconfigured = |message: String| CrmError::Misconfigured {
            operation: operation.clone(),
            message,
        };
        if self.access_key.trim().is_empty() || self.secret_key.trim().is_empty() {
            return Err(misconfigured(
                "the access key or the secret key is empty; set both to the CRM's API keys"
                    .to_owned(),
            ));
        }
        if self.timeout_ms == 0 {
            return Err(misconfigured(
                "the timeout is 0 ms; allow each attempt at least 1 ms".to_owned(),
            ));
        }
        Endpoint::parse(&self.base_url).map_err(misconfigured)
    }

    /// The files host's endpoint, or [`CrmError::Misconfigured`] naming what is wrong.
    pub fn files_endpoint(&self, operation: &Operation) -> Result<Endpoint, CrmError> {
        self.endpoint(operation)?;
        if self.files_url.trim().is_empty() {
            return Err(CrmError::Misconfigured {
                operation: operation.clone(),
                message: "the files host's URL is empty; set `crm_files_url` to your region's files host (e.g. `https://files-in21.leadsquared.com`) and allow its origin (`crm_files_origin`)".to_owned(),
            });
        }
        Endpoint::parse(&self.files_url).map_err(|message| CrmError::Misconfigured {
            operation: operation.clone(),
            message: format!("files host: {message}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CrmConfig {
        CrmConfig {
            base_url: "https://api.example.com".into(),
            access_key: "a".into(),
            secret_key: "s".into(),
            timeout_ms: 1000,
            max_retries: 2,
            files_url: "https://files.example.com".into(),
        }
    }

    fn op() -> Operation {
        Operation::GetLead {
            lead_id: "L-1".into(),
        }
    }

    #[test]
    fn a_good_config_gives_its_endpoint() {
        assert_eq!(
            config().endpoint(&op()).unwrap().authority,
            "api.example.com"
        );
    }

    #[test]
    fn a_bad_config_is_named() {
        let cases = [
            CrmConfig {
                secret_key: " ".into(),
                ..config()
            },
            CrmConfig {
                timeout_ms: 0,
                ..config()
            },
            CrmConfig {
                base_url: "api.example.com".into(),
                ..config()
            },
        ];
        let no_files = CrmConfig {
            files_url: String::new(),
            ..config()
        };
        let e = no_files.files_endpoint(&op()).unwrap_err();
        assert!(e.to_string().contains("crm_files_url"), "{e}");
        assert_eq!(
            config().files_endpoint(&op()).unwrap().authority,
            "files.example.com"
        );
        for (bad, words) in cases.iter().zip(["secret key", "0 ms", "no scheme"]) {
            let e = bad.endpoint(&op()).unwrap_err();
            assert_eq!(e.status(), 503);
            assert!(e.to_string().contains(words), "{e}");
        }
    }
}
