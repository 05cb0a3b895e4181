//! Activities on the wire: creating one, and reading a lead's history.
//!
//! Create: `POST /v2/ProspectActivity.svc/Create` with
//! `{"RelatedProspectId": "L-1", "ActivityEvent": 210, "ActivityNote": "...",
//! "ActivityDateTime": "2026-11-20 10:00:00", "Fields": [{"SchemaName":
//! "mx_Custom_1", "Value": "..."}]}`, answered by
//! `{"Status": "Success", "Message": {"Id": "A-1"}}`.
//!
//! History: `POST /v2/ProspectActivity.svc/Retrieve?leadId=L-1` with
//! `{"Paging": {"Offset": 0, "RowCount": 500}}`, answered by one page:
//! `{"RecordCount": 2, "ProspectActivities": [{"Id": "A-1", "EventCode": 210,
//! "CreatedOn": "2026-11-20 10:00:00", "CreatedBy": "U-1", "ActivityNote":
//! "..."}, ...]}`, where `RecordCount` is the total over all pages,
//! `CreatedOn` is UTC, `CreatedBy` may be `null` or absent, `ActivityNote` is
//! the note as created (read as empty when absent, `null` or not a text),
//! and other keys are ignored.

use chrono::NaiveDateTime;
use recrules_sdk::lead::Activity;
use recrules_sdk::time::{crm_datetime, CRM_DATETIME_FORMAT};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::failure::{bad_answer, success_body};
use super::{snippet, with_query, Call, Method};
use crate::error::{CrmError, Operation};
use crate::{HistoryActivity, NewActivity};

/// The path that creates an activity.
pub const CREATE_PATH: &str = "/v2/ProspectActivity.svc/Create";
/// The path that retrieves a lead's activities.
pub const RETRIEVE_PATH: &str = "/v2/ProspectActivity.svc/Retrieve";
/// The activities asked for per page of history.
pub const HISTORY_PAGE_ROWS: usize = 500;

/// The body of a create call.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateBody<'a> {
    related_prospect_id: &'a str,
    activity_event: u32,
    activity_note: &'a str,
    activity_date_time: String,
    fields: Vec<FieldValue<'a>>,
}

/// One activity field of a create call.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct FieldValue<'a> {
    schema_name: &'a str,
    value: &'a str,
}

/// The answer to a create call.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Created {
    status: String,
    message: CreatedMessage,
}

/// The `Message` of a create answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreatedMessage {
    id: String,
}

/// One page of history, as the CRM sends it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PageWire {
    record_count: usize,
    prospect_activities: Vec<Value>,
}

/// One page of a lead's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// How many activities the lead has over all pages.
    pub total: usize,
    /// This page's activities.
    pub activities: Vec<HistoryActivity>,
}

/// The call that creates `activity`.
pub fn create_call(activity: &NewActivity) -> Call {
    let body = CreateBody {
        related_prospect_id: &activity.lead_id,
        activity_event: activity.event_code,
        activity_note: &activity.note,
        activity_date_time: crm_datetime(activity.at),
        fields: activity
            .fields
            .iter()
            .map(|(schema_name, value)| FieldValue { schema_name, value })
            .collect(),
    };
    Call {
        method: Method::Post,
        path_and_query: CREATE_PATH.to_owned(),
        body: Some(serde_json::to_vec(&body).unwrap_or_default()),
        content_type: None,
    }
}

/// The id of the created activity, from the answer to a create call.
pub fn created_id(operation: &Operation, status: u16, body: &[u8]) -> Result<String, CrmError> {
    let body = success_body(operation, status, body)?;
    let bad = bad_answer(operation, status);
    let created: Created = serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "not `{{\"Status\": \"Success\", \"Message\": {{\"Id\": ...}}}}` ({e}): {}",
            snippet(body)
        ))
    })?;
    if !created.status.eq_ignore_ascii_case("Success") {
        return Err(bad(format!(
            "`Status` is `{}`, not `Success`",
            created.status
        )));
    }
    let id = created.message.id.trim();
    if id.is_empty() {
        return Err(bad("`Message.Id` is empty".to_owned()));
    }
    Ok(id.to_owned())
}

/// The call for the page of `lead_id`'s history that starts at `offset`.
pub fn history_call(lead_id: &str, offset: usize) -> Call {
    let body = json!({ "Paging": { "Offset": offset, "RowCount": HISTORY_PAGE_ROWS } });
    Call {
        method: Method::Post,
        path_and_query: with_query(RETRIEVE_PATH, "leadId", lead_id),
        body: Some(body.to_string().into_bytes()),
        content_type: None,
    }
}

/// One page of history, from the answer to a history call.
pub fn history_page(
    operation: &Operation,
    status: u16,
    body: &[u8],
) -> Result<HistoryPage, CrmError> {
    let body = success_body(operation, status, body)?;
    let bad = bad_answer(operation, status);
    let page: PageWire = serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "not `{{\"RecordCount\": n, \"ProspectActivities\": [...]}}` ({e}): {}",
            snippet(body)
        ))
    })?;
    let activities = page
        .prospect_activities
        .iter()
        .enumerate()
        .map(|(i, item)| activity(item).map_err(|e| bad(format!("ProspectActivities[{i}].{e}"))))
        .collect::<Result<_, _>>()?;
    Ok(HistoryPage {
        total: page.record_count,
        activities,
    })
}

/// One activity of a history page; an error starts with the key at fault.
fn activity(item: &Value) -> Result<HistoryActivity, String> {
    let text = |key: &str| match item.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        other => Err(format!(
            "{key}: expected a non-empty text, found {}",
            shown(other)
        )),
    };
    let id = text("Id")?;
    let event_code = match item.get("EventCode") {
        Some(v) => v.as_u64().and_then(|c| u32::try_from(c).ok()),
        None => None,
    }
    .filter(|c| *c > 0)
    .ok_or_else(|| {
        format!(
            "EventCode: expected a positive whole number, found {}",
            shown(item.get("EventCode"))
        )
    })?;
    let created = text("CreatedOn")?;
    let created_on = NaiveDateTime::parse_from_str(&created, CRM_DATETIME_FORMAT)
        .map_err(|_| format!("CreatedOn: `{created}` is not a UTC `yyyy-MM-dd HH:mm:ss`"))?
        .and_utc();
    let user = match item.get("CreatedBy") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        other => {
            return Err(format!(
                "CreatedBy: expected a text, found {}",
                shown(other)
            ))
        }
    };
    // The note serves to find an activity again, never to decide anything:
    // a CRM that gives none (or something else) is read as giving an empty one.
    let note = item
        .get("ActivityNote")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(HistoryActivity {
        activity: Activity {
            id,
            event_code,
            created_on,
            user,
        },
        note,
    })
}

/// A JSON value as an error message shows it.
fn shown(value: Option<&Value>) -> String {
    value.map_or_else(|| "nothing".to_owned(), |v| format!("`{v}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn op() -> Operation {
        Operation::RetrieveHistory {
            lead_id: "L-1".into(),
        }
    }

    #[test]
    fn the_create_body_is_the_crm_shape() {
        let activity = NewActivity {
            lead_id: "L-1".into(),
            event_code: 210,
            note: "Meeting".into(),
            at: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 5).unwrap(),
            fields: vec![("mx_Custom_3".into(), "1.50".into())],
        };
        let call = create_call(&activity);
        assert_eq!(call.method, Method::Post);
        assert_eq!(call.path_and_query, CREATE_PATH);
        let body: Value = serde_json::from_slice(&call.body.unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"RelatedProspectId": "L-1", "ActivityEvent": 210, "ActivityNote": "Meeting",
                   "ActivityDateTime": "2026-11-20 10:00:05",
                   "Fields": [{"SchemaName": "mx_Custom_3", "Value": "1.50"}]})
        );
    }

    #[test]
    fn the_created_id_is_read() {
        let op = Operation::CreateActivity {
            lead_id: "L-1".into(),
        };
        let ok = br#"{"Status":"Success","Message":{"Id":"A-9"}}"#;
        assert_eq!(created_id(&op, 200, ok), Ok("A-9".to_owned()));
        for bad in [
            &b"{}"[..],
            b"nope",
            br#"{"Status":"Success","Message":{"Id":" "}}"#,
        ] {
            assert_eq!(created_id(&op, 200, bad).unwrap_err().status(), 502);
        }
    }

    #[test]
    fn the_history_call_pages_and_encodes_the_lead() {
        let call = history_call("L 1&x", 500);
        assert_eq!(
            call.path_and_query,
            format!("{RETRIEVE_PATH}?leadId=L+1%26x")
        );
        let body: Value = serde_json::from_slice(&call.body.unwrap()).unwrap();
        assert_eq!(body["Paging"], json!({"Offset": 500, "RowCount": 500}));
    }

    #[test]
    fn a_history_page_is_read() {
        let body = json!({"RecordCount": 7, "ProspectActivities": [
            {"Id": "A-1", "EventCode": 210, "CreatedOn": "2026-11-20 10:00:00", "CreatedBy": "U-1", "Other": 1,
             "ActivityNote": "Met [request 00ff]"},
            {"Id": "A-2", "EventCode": 209, "CreatedOn": "2026-11-19 09:30:00", "CreatedBy": null,
             "ActivityNote": null},
            {"Id": "A-3", "EventCode": 209, "CreatedOn": "2026-11-19 09:00:00", "ActivityNote": 5}
        ]});
        let page = history_page(&op(), 200, body.to_string().as_bytes()).unwrap();
        assert_eq!(page.total, 7);
        let [first, second, third] = &page.activities[..] else {
            panic!("three activities: {:?}", page.activities);
        };
        assert_eq!(first.activity.user.as_deref(), Some("U-1"));
        assert_eq!(first.note, "Met [request 00ff]");
        assert_eq!(
            second.activity.created_on,
            Utc.with_ymd_and_hms(2026, 11, 19, 9, 30, 0).unwrap()
        );
        assert_eq!(second.activity.user, None);
        // A note that is missing or not a text is read as empty.
        assert_eq!((second.note.as_str(), third.note.as_str()), ("", ""));
    }

    #[test]
    fn a_bad_activity_is_named() {
        let body = json!({"RecordCount": 1, "ProspectActivities": [
            {"Id": "A-1", "EventCode": 210, "CreatedOn": "20/11/2026"}
        ]});
        let e = history_page(&op(), 200, body.to_string().as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .contains("ProspectActivities[0].CreatedOn: `20/11/2026`"),
            "{e}"
        );
        let e = history_page(&op(), 200, b"[]").unwrap_err();
        assert!(e.to_string().contains("RecordCount"), "{e}");
    }
}
