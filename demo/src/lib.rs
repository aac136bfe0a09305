//! The demo tenant's executor as a Web Worker: the simulator answers the app's requests here,
//! in a wasm module of its own, so the app's main module (which every visitor downloads)
//! carries neither the simulator, its Resource Graph and write engines, nor the demo tenant.
//!
//! The protocol is one JSON text per message each way (`executor::Call` in,
//! `executor::Answer` out), and `executor::WORKER_READY` once the module has started. The
//! app's side is `web/src/demo.rs`.

use pullpath_core::executor::{Answer, Call};
use pullpath_core::request::Response;
use pullpath_sim::Sim;

/// Answers one message. A message that is not a call (nothing but the app sends to this
/// worker, so this means a bug) gets no answer rather than a made-up one; the app's side
/// then reports the demo as broken instead of hanging.
pub fn answer(sim: &mut Sim, message: &str) -> Option<String> {
    let call: Call = serde_json::from_str(message).ok()?;
    let response: Response = sim.handle(&call.request);
    serde_json::to_string(&Answer { id: call.id, response }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pullpath_core::request::{self, Request};

    fn call(id: u32, request: Request) -> String {
        serde_json::to_string(&Call { id, request }).unwrap()
    }

    #[test]
    fn answers_a_call_with_the_simulators_response_and_its_id() {
        let mut sim = Sim::demo();
        let req = request::list_subscriptions();
        let expected = Sim::demo().handle(&req);
        let out: Answer = serde_json::from_str(&answer(&mut sim, &call(7, req)).unwrap()).unwrap();
        assert_eq!(out.id, 7);
        assert_eq!(out.response, expected);
        assert!(out.response.is_success());
    }

    #[test]
    fn keeps_one_tenant_across_calls() {
        // The worker holds one simulator for the visit: a write is seen by the next read.
        use pullpath_core::arm::{Registry, RegistryUpdate, RegistryUpdateProperties};
        use pullpath_core::ResourceId;
        let id = ResourceId::parse("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrinference").unwrap();
        let read = |sim: &mut Sim, n| -> Registry {
            let a: Answer = serde_json::from_str(&answer(sim, &call(n, request::get(&id).unwrap())).unwrap()).unwrap();
            serde_json::from_str(&a.response.body).unwrap()
        };
        let mut sim = Sim::demo();
        let before = read(&mut sim, 1).properties.admin_user_enabled;
        let body = RegistryUpdate { properties: Some(RegistryUpdateProperties { admin_user_enabled: Some(!before), ..Default::default() }) };
        let patched: Answer = serde_json::from_str(&answer(&mut sim, &call(2, request::patch_registry(&id, &body))).unwrap()).unwrap();
        assert!(patched.response.is_success(), "{}", patched.response.body);
        // A registry PATCH is a long-running operation: poll it to its end, as Apply does.
        let poll = patched.response.header("azure-asyncoperation").map(|u| pullpath_core::link::follow(pullpath_sim::DEFAULT_ORIGIN, u).unwrap());
        for n in 10..20 {
            let Some(poll) = &poll else { break };
            let a: Answer = serde_json::from_str(&answer(&mut sim, &call(n, poll.clone())).unwrap()).unwrap();
            if !a.response.body.contains("InProgress") {
                break;
            }
        }
        assert_eq!(read(&mut sim, 3).properties.admin_user_enabled, !before);
    }

    #[test]
    fn ignores_what_is_not_a_call() {
        let mut sim = Sim::demo();
        for junk in ["", "ready", "{}", "{\"id\":1}", "{\"id\":-1,\"request\":{}}", "[1,2]"] {
            assert_eq!(answer(&mut sim, junk), None, "{junk:?}");
        }
    }
}
