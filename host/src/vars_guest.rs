//! `fermyon:spin/variables@2.0.0` as the guest sees it: the component's own
//! variables, rendered at startup.

use crate::bindings::fermyon::spin::variables::{Error, Host};
use crate::manifest::is_valid_variable_name;
use crate::state::RequestState;

impl Host for RequestState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        if !is_valid_variable_name(&name) {
            return Ok(Err(Error::InvalidName(format!(
                "`{name}` is not a valid variable name: use lowercase letters, digits and `_`, starting with a letter"
            ))));
        }
        Ok(match self.grants.variables.get(&name) {
            Some(value) => Ok(value.clone()),
            None => Err(Error::Undefined(format!(
                "component `{}` has no variable `{name}`: declare it under [component.{}.variables]",
                self.grants.component, self.grants.component
            ))),
        })
    }
}
