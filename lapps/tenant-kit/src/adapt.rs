//! From a request body to the hook's answer, without I/O.

use recrules_sdk::hook::{
    lapp_id_in_path, verify, HookContext, HookOutcome, SignatureError, Signed, SECRET_VARIABLE,
    VALIDATE_SEGMENT,
};
use serde::Serialize;

/// A tenant's decision.
pub type Validate = fn(&HookContext) -> HookOutcome;

/// The JSON body of an error answer.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    field: Option<&'a str>,
    message: String,
}

/// The status and JSON body answering a POSTed `body`: 200 with `validate`'s
/// [`HookOutcome`], or 400 naming the field that keeps `body` from being a
/// [`HookContext`].
pub fn handle(body: &[u8], validate: Validate) -> (u16, Vec<u8>) {
    if body.iter().all(u8::is_ascii_whitespace) {
        return error(
            400,
            "bad_request",
            Some("body"),
            "`body`: it is empty; POST the hook's context as JSON: {\"org\", \"lead\", \"history\", \"activity_code\", \"user\", \"now\"}".to_owned(),
        );
    }
    match context(body) {
        Ok(ctx) => {
            let outcome = validate(&ctx);
            (200, serde_json::to_vec(&outcome).unwrap_or_default())
        }
        Err((field, detail)) => {
            let message = format!(
                "`{field}`: {detail}; the body must be the hook's context (see openapi/tenant.yaml)"
            );
            error(400, "bad_request", Some(&field), message)
        }
    }
}

/// Whether a call may be answered: its [`Signed`] signature when `env`,
/// `timestamp` and `signature` (the `x-lapp-env`, `x-lapp-timestamp` and
/// `x-lapp-signature` sent) sign `body` for this Lapp, the `LappId` in
/// `path` (the segment before `/validate`, [`lapp_id_in_path`]), with the
/// component's `secret` (the Spin variable [`SECRET_VARIABLE`]) within the
/// allowed skew of `now` (the component's clock, unix seconds; see
/// [`recrules_sdk::hook::verify`]); else the status and JSON body refusing
/// it: 401 naming the header at fault ([`refusal`]), 404 `not_found` naming
/// `path` when the path does not end with a `LappId` and `/validate`, 503
/// `misconfigured` when the component has no secret (so it answers no
/// one). A replay is refused after this, by the replay store.
pub fn check_signature(
    secret: Option<&str>,
    path: &str,
    env: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<Signed, (u16, Vec<u8>)> {
    let secret = secret.map(str::trim).unwrap_or_default();
    if secret.is_empty() {
        return Err(error(
            503,
            "misconfigured",
            Some(SECRET_VARIABLE),
            format!("the Spin variable `{SECRET_VARIABLE}` is not set: set it, in this component and in the meetings component, to the same long random secret"),
        ));
    }
    let lapp_id = lapp_id_in_path(path).ok_or_else(|| {
        error(
            404,
            "not_found",
            Some("path"),
            format!("`path`: a tenant Lapp is called at `.../{{LappId}}/{VALIDATE_SEGMENT}` (its LappId: 1 to 128 letters, digits, `-`, `_` or `.`), not `{path}`"),
        )
    })?;
    verify(secret, lapp_id, env, timestamp, signature, body, now).map_err(|e| refusal(&e))
}

/// The 401 answering a refused signature: `{"error": "missing_signature" |
/// "bad_signature" | "stale_timestamp" | "replayed", "field": the header,
/// "message"}`.
pub fn refusal(refused: &SignatureError) -> (u16, Vec<u8>) {
    error(
        401,
        refused.code(),
        Some(refused.header()),
        refused.to_string(),
    )
}

/// The 503 answering a call the component cannot check now (its clock or
/// its replay store failed): `{"error": "unavailable", ...}`.
pub fn unavailable(detail: String) -> (u16, Vec<u8>) {
    error(503, "unavailable", None, detail)
}

/// The status and JSON body answering any method but `POST`.
pub fn method_not_allowed() -> (u16, Vec<u8>) {
    error(
        405,
        "method_not_allowed",
        None,
        "use POST with the hook's context as JSON".to_owned(),
    )
}

/// An error answer.
fn error(status: u16, kind: &str, field: Option<&str>, message: String) -> (u16, Vec<u8>) {
    let body = ErrorBody {
        error: kind,
        field,
        message,
    };
    (status, serde_json::to_vec(&body).unwrap_or_default())
}

/// The context in `body`, or the field at fault and what is wrong with it.
fn context(body: &[u8]) -> Result<HookContext, (String, String)> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let ctx = serde_path_to_error::deserialize::<_, HookContext>(&mut reader).map_err(|e| {
        let detail = e.inner().to_string();
        let field = if e.inner().is_data() {
            field_of(&e.path().to_string(), &detail)
        } else {
            // Not JSON: the line and column in `detail` say where.
            "body".to_owned()
        };
        (field, detail)
    })?;
    reader
        .end()
        .map_err(|e| ("body".to_owned(), e.to_string()))?;
    Ok(ctx)
}

/// The field an error at `path` is about: the path (which names an unknown
/// key itself), plus the key a "missing field" error names; `body` for the
/// whole body.
fn field_of(path: &str, error: &str) -> String {
    let missing = error
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (".", Some(key)) => key.to_owned(),
        (".", None) => "body".to_owned(),
        (_, Some(key)) => format!("{path}.{key}"),
        (_, None) => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn refuse_everyone(ctx: &HookContext) -> HookOutcome {
        HookOutcome {
            allowed: false,
            message: Some(format!("no meetings with {}", ctx.lead.id)),
        }
    }

    fn context() -> Value {
        json!({"org": "org-1", "lead": {"id": "L-1", "fields": {"ProspectStage": "Open"}},
               "history": [], "activity_code": 210, "user": "U-1",
               "now": "2026-11-20T10:00:00Z"})
    }

    fn answer(body: &[u8]) -> (u16, Value) {
        let (status, bytes) = handle(body, refuse_everyone);
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn a_context_gets_the_outcome() {
        let (status, body) = answer(context().to_string().as_bytes());
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({"allowed": false, "message": "no meetings with L-1"})
        );
    }

    #[test]
    fn a_bad_body_names_its_field() {
        let mut missing = context();
        missing.as_object_mut().unwrap().remove("now");
        let mut wrong = context();
        wrong["lead"]["fields"] = json!([]);
        let mut unknown = context();
        unknown["lead"]["colour"] = json!("red");
        let cases = [
            (b"".to_vec(), "body"),
            (b"{".to_vec(), "body"),
            (b"[]".to_vec(), "body"),
            (format!("{} x", context()).into_bytes(), "body"),
            (missing.to_string().into_bytes(), "now"),
            (wrong.to_string().into_bytes(), "lead.fields"),
            (unknown.to_string().into_bytes(), "lead.colour"),
        ];
        for (body, field) in cases {
            let (status, answer) = answer(&body);
            assert_eq!(status, 400, "{answer}");
            assert_eq!(answer["error"], "bad_request");
            assert_eq!(answer["field"], field, "{answer}");
            assert!(answer["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("`{field}`")));
        }
    }

    #[test]
    fn only_a_signed_call_is_let_in() {
        use recrules_sdk::hook::{
            sign, ENV_HEADER, MAX_CLOCK_SKEW_S, SIGNATURE_HEADER, TIMESTAMP_HEADER,
        };
        use recrules_sdk::settings::LappEnv;
        let secret = "tenant-secret-0123456789";
        let path = "/tenant/closed_stage/validate";
        let (body, at) = (context().to_string(), 1_795_000_000);
        let timestamp = at.to_string();
        let signature = sign(secret, "closed_stage", LappEnv::Test, at, body.as_bytes());
        let check = |path: &str,
                     env: Option<&str>,
                     timestamp: Option<&str>,
                     signature: Option<&str>,
                     body: &str,
                     now: i64| {
            check_signature(
                Some(secret),
                path,
                env,
                timestamp,
                signature,
                body.as_bytes(),
                now,
            )
        };
        let test = Some("Test");
        let signed =
            check(path, test, Some(&timestamp), Some(&signature), &body, at).expect("let in");
        assert_eq!(signed.timestamp, at);
        // Behind a base path, and with a trailing `/`, the Lapp is the same.
        for prefixed in [
            "/base/tenant/closed_stage/validate",
            "/tenant/closed_stage/validate/",
        ] {
            assert_eq!(
                check(
                    prefixed,
                    test,
                    Some(&timestamp),
                    Some(&signature),
                    &body,
                    at
                ),
                Ok(signed),
                "{prefixed}"
            );
        }
        let tampered = body.replace("L-1", "L-2");
        let wrong = sign(
            "another-secret",
            "closed_stage",
            LappEnv::Test,
            at,
            body.as_bytes(),
        );
        let ts = Some(timestamp.as_str());
        let sig = Some(signature.as_str());
        let refused = [
            (
                check(path, test, None, sig, &body, at),
                "missing_signature",
                TIMESTAMP_HEADER,
            ),
            (
                check(path, test, ts, None, &body, at),
                "missing_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(path, None, ts, sig, &body, at),
                "missing_signature",
                ENV_HEADER,
            ),
            (
                check(path, Some("Prod"), ts, sig, &body, at),
                "bad_signature",
                ENV_HEADER,
            ),
            (
                check(path, Some("Live"), ts, sig, &body, at),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check("/tenant/other/validate", test, ts, sig, &body, at),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(path, test, ts, sig, &tampered, at),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(path, test, ts, Some(&wrong), &body, at),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(path, test, ts, Some("v2=00"), &body, at),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(path, test, ts, sig, &body, at + MAX_CLOCK_SKEW_S + 1),
                "stale_timestamp",
                TIMESTAMP_HEADER,
            ),
        ];
        for (answer, code, field) in refused {
            let (status, answer) = answer.expect_err("refused");
            assert_eq!(status, 401, "{code}");
            let answer: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(
                (answer["error"].as_str(), answer["field"].as_str()),
                (Some(code), Some(field)),
                "{answer}"
            );
        }
        for elsewhere in [
            "/tenant/closed_stage",
            "/validate",
            "/tenant/a%20b/validate",
        ] {
            let (status, answer) = check(elsewhere, test, ts, sig, &body, at).expect_err("refused");
            assert_eq!(status, 404, "{elsewhere}");
            let answer: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(
                (answer["error"].as_str(), answer["field"].as_str()),
                (Some("not_found"), Some("path"))
            );
        }
        for unset in [None, Some(""), Some("  ")] {
            let given = check_signature(unset, path, test, ts, sig, body.as_bytes(), at);
            let (status, answer) = given.expect_err("refused");
            assert_eq!(status, 503, "{unset:?}");
            let answer: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(
                (answer["error"].as_str(), answer["field"].as_str()),
                (Some("misconfigured"), Some(SECRET_VARIABLE))
            );
        }
    }

    #[test]
    fn other_methods_are_refused() {
        let (status, body) = method_not_allowed();
        assert_eq!(status, 405);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "method_not_allowed");
    }
}
