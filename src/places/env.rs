//! huggingface_hub's variables, LangChain's, and the OIDC resource.

use super::{Finding, Kind, Look, Place};
use crate::env::{HF_OIDC_RESOURCE, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HUGGINGFACEHUB_API_TOKEN};
use crate::hf::token_file::clean;

pub struct EnvVars;

impl Place for EnvVars {
    fn find(&self, look: &Look) -> Vec<Finding> {
        let mut found = Vec::new();
        for (var, detail) in [
            (HF_TOKEN, ""),
            (
                HUGGING_FACE_HUB_TOKEN,
                "legacy name, read when HF_TOKEN is unset",
            ),
            (HUGGINGFACEHUB_API_TOKEN, "read by LangChain only"),
        ] {
            let source = format!("env:{}", var.name);
            let kind = Kind::Env(var.name);
            let value = look.env.get(var).ok().flatten().and_then(clean);
            found.push(match value {
                Some(token) => Finding::present(source, kind, detail, token, look.endpoint()),
                None => Finding::absent(source, kind, detail),
            });
        }
        let resource = look.env.non_empty(HF_OIDC_RESOURCE).ok().flatten();
        found.push(Finding::absent(
            format!("env:{}", HF_OIDC_RESOURCE.name),
            Kind::OidcResource,
            resource.map_or(String::new(), |r| {
                format!("set: {r} (token exchanged in CI)")
            }),
        ));
        found
    }
}
