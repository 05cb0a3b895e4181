//! A lead on the wire: `GET /v2/LeadManagement.svc/Leads.GetById?id=L-1`,
//! answered by an array with the lead's one object of `{Attribute: value}`
//! pairs (`[{"ProspectID": "L-1", "Phone": "+91...", "ProspectStage":
//! "Open", ...}]`), or `[]` when there is no such lead.

use std::collections::BTreeMap;

use recrules_sdk::lead::Lead;
use serde_json::Value;

use super::failure::{bad_answer, success_body};
use super::{snippet, with_query, Call, Method};
use crate::error::{CrmError, Operation};

/// The path that reads a lead.
pub const GET_LEAD_PATH: &str = "/v2/LeadManagement.svc/Leads.GetById";

/// The call that reads lead `lead_id`.
pub fn get_lead_call(lead_id: &str) -> Call {
    Call {
        method: Method::Get,
        path_and_query: with_query(GET_LEAD_PATH, "id", lead_id),
        body: None,
        content_type: None,
    }
}

/// The lead, from the answer to a get-lead call: every attribute becomes a
/// field, by its schema name.
pub fn lead(operation: &Operation, status: u16, body: &[u8]) -> Result<Lead, CrmError> {
    let body = success_body(operation, status, body)?;
    let bad = bad_answer(operation, status);
    let shape = "an array with the lead's one object `[{\"Phone\": ..., ...}]`";
    let mut items: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| bad(format!("not {shape} ({e}): {}", snippet(body))))?;
    let fields: BTreeMap<String, Value> = match items.len() {
        0 => {
            return Err(CrmError::LeadNotFound {
                operation: operation.clone(),
            })
        }
        1 => match items.pop() {
            Some(Value::Object(map)) => map.into_iter().collect(),
            _ => return Err(bad(format!("not {shape}: {}", snippet(body)))),
        },
        n => return Err(bad(format!("{n} leads for one id; expected {shape}"))),
    };
    Ok(Lead {
        id: operation.lead_id().to_owned(),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op() -> Operation {
        Operation::GetLead {
            lead_id: "L 1".into(),
        }
    }

    #[test]
    fn the_call_encodes_the_id() {
        let call = get_lead_call("L 1");
        assert_eq!(call.method, Method::Get);
        assert_eq!(call.path_and_query, format!("{GET_LEAD_PATH}?id=L+1"));
        assert_eq!(call.body, None);
    }

    #[test]
    fn a_lead_keeps_its_attributes() {
        let body = json!([{"ProspectID": "L 1", "Phone": "+919800000001", "mx_Latitude": 12.9}]);
        let lead = lead(&op(), 200, body.to_string().as_bytes()).unwrap();
        assert_eq!(lead.id, "L 1");
        assert_eq!(lead.field_text("Phone").as_deref(), Some("+919800000001"));
        assert_eq!(lead.field_text("mx_Latitude").as_deref(), Some("12.9"));
    }

    #[test]
    fn none_is_not_found_and_nonsense_is_bad() {
        assert_eq!(lead(&op(), 200, b"[]").unwrap_err().status(), 404);
        for bad in [&b"{}"[..], b"[1]", b"[{}, {}]", b"garbage"] {
            let e = lead(&op(), 200, bad).unwrap_err();
            assert_eq!(e.status(), 502, "{e}");
        }
    }
}
