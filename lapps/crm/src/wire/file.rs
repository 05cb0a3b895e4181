//! Files on the wire: `POST https://{files host}/File/Upload`, a
//! `multipart/form-data` body with the file in `uploadFiles` and the keys
//! and parameters the CRM's documentation lists (`FileType`, `AccessKey`,
//! `SecretKey`, `FileStorageType`, `EnableResize`, `Id`, `Entity`,
//! `StorageVersion`; `SchemaName` and `EntitySchemaName` are for custom field
//! sets and are not sent). The files host is per region (`files-in21...`)
//! and is not the API host. The answer names the uploaded file in
//! `uploadedFile` (its name or URL; some regions add `uploadedFileURL`), and
//! that is what Attachment/Add takes as `AttachmentFile`.

use serde_json::Value;

use super::failure::{bad_answer, success_body};
use super::{snippet, Call, Method};
use crate::error::{CrmError, Operation};

/// The path of the upload, under the files host.
pub const UPLOAD_PATH: &str = "/File/Upload";
/// The form field carrying the file.
pub const FILE_FIELD: &str = "uploadFiles";
/// `FileType`: 3 is "Lead Attachment".
pub const FILE_TYPE_LEAD_ATTACHMENT: &str = "3";
/// `FileStorageType`: 0 is "Permanent".
pub const STORAGE_PERMANENT: &str = "0";
/// `Entity`: 1 is "Activity/Opportunity" (with the activity's event code as `Id`).
pub const ENTITY_ACTIVITY: &str = "1";

/// A file to upload.
#[derive(Debug, Clone, Copy)]
pub struct FileUpload<'a> {
    /// The file's name (`r1.m4a`).
    pub file_name: &'a str,
    /// Its type (`audio/mp4`).
    pub content_type: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// The event code of the activity it is for (`Id`, with `Entity` = 1).
    pub event_code: u32,
    /// A text the bytes cannot contain, for the boundary (their SHA-256).
    pub boundary_seed: &'a str,
}

/// The form fields sent with the file, in order: (name, value).
pub fn form_fields<'a>(
    file: &FileUpload<'_>,
    access_key: &'a str,
    secret_key: &'a str,
) -> Vec<(&'static str, String)> {
    vec![
        ("FileType", FILE_TYPE_LEAD_ATTACHMENT.to_owned()),
        ("AccessKey", access_key.to_owned()),
        ("SecretKey", secret_key.to_owned()),
        ("FileStorageType", STORAGE_PERMANENT.to_owned()),
        ("EnableResize", "false".to_owned()),
        ("Id", file.event_code.to_string()),
        ("Entity", ENTITY_ACTIVITY.to_owned()),
        ("StorageVersion", "0".to_owned()),
    ]
}

/// The upload call: the multipart body with the form fields, then the file.
pub fn upload_call(file: &FileUpload<'_>, access_key: &str, secret_key: &str) -> Call {
    let boundary = format!("recrules-{}", file.boundary_seed);
    let mut body = Vec::with_capacity(file.bytes.len() + 1024);
    for (name, value) in form_fields(file, access_key, secret_key) {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    // The file name is the caller's checked id and extension: no quote or line break.
    let name: String = file
        .file_name
        .chars()
        .filter(|c| !matches!(c, '"' | '\r' | '\n' | '\\'))
        .collect();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{FILE_FIELD}\"; filename=\"{name}\"\r\ncontent-type: {}\r\n\r\n",
            file.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Call {
        method: Method::Post,
        path_and_query: UPLOAD_PATH.to_owned(),
        body: Some(body),
        content_type: Some(format!("multipart/form-data; boundary={boundary}")),
    }
}

/// What Attachment/Add takes as `AttachmentFile`, from the upload's answer:
/// `uploadedFileURL` when given, else `uploadedFile`.
pub fn uploaded_file(operation: &Operation, status: u16, body: &[u8]) -> Result<String, CrmError> {
    let body = success_body(operation, status, body)?;
    let bad = bad_answer(operation, status);
    let answer: Value = serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "not `{{\"uploadedFile\": ...}}` ({e}): {}",
            snippet(body)
        ))
    })?;
    let text = |key: &str| {
        answer
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    text("uploadedFileURL")
        .or_else(|| text("uploadedFile"))
        .ok_or_else(|| {
            bad(format!(
                "`uploadedFile` is missing or empty: {}",
                snippet(body)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> Operation {
        Operation::UploadFile {
            lead_id: "L-1".into(),
            file_name: "r1.m4a".into(),
        }
    }

    #[test]
    fn the_upload_is_a_multipart_form_with_the_documented_names() {
        let bytes = b"\0\0\0\x20ftypM4A audio";
        let file = FileUpload {
            file_name: "r1.m4a",
            content_type: "audio/mp4",
            bytes,
            event_code: 210,
            boundary_seed: "ab12",
        };
        let call = upload_call(&file, "ak", "sk");
        assert_eq!(call.path_and_query, UPLOAD_PATH);
        assert_eq!(
            call.content_type.as_deref(),
            Some("multipart/form-data; boundary=recrules-ab12")
        );
        let body = call.body.unwrap();
        let text = String::from_utf8_lossy(&body);
        for (name, value) in [
            ("FileType", "3"),
            ("AccessKey", "ak"),
            ("SecretKey", "sk"),
            ("FileStorageType", "0"),
            ("EnableResize", "false"),
            ("Id", "210"),
            ("Entity", "1"),
        ] {
            let part = format!("name=\"{name}\"\r\n\r\n{value}\r\n");
            assert!(text.contains(&part), "{name}: {text}");
        }
        assert!(text.contains(
            "name=\"uploadFiles\"; filename=\"r1.m4a\"\r\ncontent-type: audio/mp4\r\n\r\n"
        ));
        assert!(body.windows(bytes.len()).any(|w| w == bytes));
        assert!(text.ends_with("\r\n--recrules-ab12--\r\n"), "{text}");
    }

    #[test]
    fn the_answer_names_the_file() {
        let url = br#"{"uploadedFile":"r1.m4a","uploadedFileURL":"https://s3/r1.m4a"}"#;
        assert_eq!(uploaded_file(&op(), 200, url).unwrap(), "https://s3/r1.m4a");
        let name = br#"{"uploadedFile":" r1-x.m4a "}"#;
        assert_eq!(uploaded_file(&op(), 200, name).unwrap(), "r1-x.m4a");
        for bad in [&br#"{"uploadedFile":""}"#[..], b"{}", b"<html>"] {
            let e = uploaded_file(&op(), 200, bad).unwrap_err();
            assert_eq!(e.status(), 502, "{e}");
            assert!(e.outcome_unknown(), "{e}");
        }
    }
}
