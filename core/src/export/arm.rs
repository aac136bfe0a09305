//! The plan as the exact ARM requests: `{"operations":[{"method","url","body",...}]}`.

use serde_json::{json, Value};

use crate::plan::Plan;
use crate::request::Request;

fn request_value(r: &Request, origin: &str) -> Value {
    let mut v = json!({"method": r.method.as_str(), "url": r.url(origin), "apiVersion": r.api_version()});
    if let Some(b) = &r.body {
        v["body"] = b.clone();
    }
    v
}

pub(super) fn operations_value(plan: &Plan, origin: &str) -> Value {
    let ops: Vec<Value> = plan
        .operations
        .iter()
        .map(|op| {
            let mut v = request_value(&op.request, origin);
            v["summary"] = json!(op.summary);
            v["target"] = json!(op.target.as_str());
            v["precondition"] = json!(op.precondition.describe());
            v["effect"] = json!(op.effect.describe());
            v["inverse"] = request_value(&op.inverse, origin);
            v["dependsOn"] = json!(op.depends_on);
            v
        })
        .collect();
    json!({ "operations": ops })
}

pub(super) fn operations_json(plan: &Plan, origin: &str) -> String {
    serde_json::to_string_pretty(&operations_value(plan, origin)).unwrap_or_default() + "\n"
}
