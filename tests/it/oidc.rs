//! OIDC ("Trusted Publishers"): HF_OIDC_RESOURCE with HF_OIDC_ID_TOKEN or GitHub Actions
//! minting, exchanged at the Hub imitation's `/oauth/token`, cached by the helper.

use crate::support;
use crate::support::TestEnv;
use hub_imitation::Hub;
use std::os::unix::fs::PermissionsExt;

const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.id-token-from-ci.sig";
const EXCHANGED: &str = "hf_jwt_ExchangedTokenEEEEEEEEEEEEEEEEEE";
const REQUEST_TOKEN: &str = "gh_actions_request_token_QQQQQQQQQQQQQQ";
const RESOURCE: &str = "alice/model";

fn setup() -> (TestEnv, Hub) {
    let env = TestEnv::new();
    let hub = Hub::start();
    for t in [ID_TOKEN, EXCHANGED, REQUEST_TOKEN] {
        env.secret(t);
    }
    env.set_env("HF_ENDPOINT", &hub.url());
    env.set_env("HF_OIDC_RESOURCE", RESOURCE);
    (env, hub)
}

fn token(env: &TestEnv) -> support::Out {
    env.cmd(&["token"]).allow_token_stdout().run()
}

#[test]
fn an_id_token_is_exchanged_once_and_wins_over_everything_else() {
    let (env, hub) = setup();
    hub.add_id_token(ID_TOKEN, RESOURCE, "alice", EXCHANGED, 3600);
    env.set_env("HF_OIDC_ID_TOKEN", ID_TOKEN);
    env.set_env("HF_TOKEN", "hf_EnvTokenIgnoredWhenOidcIsOnXXXXXXXXX");
    env.secret("hf_EnvTokenIgnoredWhenOidcIsOnXXXXXXXXX");
    env.write_token_file("hf_FileTokenIgnoredWhenOidcIsOnYYYYYYYY");

    token(&env).ok().stdout_is(&format!("{EXCHANGED}\n"));
    let calls = hub.oauth_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].content_type, "application/json");
    assert_eq!(
        calls[0].field_pairs(),
        [
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ),
            ("resource", RESOURCE),
            ("subject_token", ID_TOKEN),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:id_token"
            ),
        ]
    );

    // The next requests (a clone asks several times) use the cached token.
    token(&env).ok().stdout_is(&format!("{EXCHANGED}\n"));
    let fill = env
        .git_fill(&[])
        .stdin(format!("protocol=http\nhost=127.0.0.1:{}\n\n", hub.port()))
        .run()
        .ok();
    let sent = fill.field("password").or(fill.field("credential"));
    assert_eq!(sent.as_deref(), Some(EXCHANGED));
    assert_eq!(hub.oauth_calls().len(), 1);

    let cache = env.path(".cache/git-credential-hf/oidc.json");
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(!text.contains(ID_TOKEN), "the id token is not kept");
    // Nothing of the user's Hugging Face folder was written.
    assert!(!env.path(".cache/huggingface/stored_tokens").exists());

    // Another resource is another exchange.
    hub.add_id_token(
        ID_TOKEN,
        "alice/other",
        "alice",
        "hf_jwt_OtherResourceZZZZZZZZZZZZZZZZ",
        3600,
    );
    env.secret("hf_jwt_OtherResourceZZZZZZZZZZZZZZZZ");
    env.cmd(&["token"])
        .env("HF_OIDC_RESOURCE", "alice/other")
        .allow_token_stdout()
        .run()
        .ok()
        .stdout_is("hf_jwt_OtherResourceZZZZZZZZZZZZZZZZ\n");
    assert_eq!(hub.oauth_calls().len(), 2);
}

#[test]
fn github_actions_mints_the_id_token_for_the_endpoint() {
    let (env, hub) = setup();
    hub.set_mint(REQUEST_TOKEN, ID_TOKEN);
    hub.add_id_token(ID_TOKEN, RESOURCE, "alice", EXCHANGED, 3600);
    env.set_env("GITHUB_ACTIONS", "true");
    env.set_env("ACTIONS_ID_TOKEN_REQUEST_URL", &hub.mint_url());
    env.set_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN);

    token(&env).ok().stdout_is(&format!("{EXCHANGED}\n"));
    let mints = hub.mint_calls();
    assert_eq!(mints.len(), 1);
    assert_eq!(mints[0].audience.as_deref(), Some(hub.url().as_str()));
    assert_eq!(mints[0].bearer.as_deref(), Some(REQUEST_TOKEN));
    assert!(mints[0].query.starts_with("api-version=2.0&audience="));
    assert_eq!(hub.oauth_calls()[0].fields["subject_token"], ID_TOKEN);

    token(&env).ok().stdout_is(&format!("{EXCHANGED}\n"));
    assert_eq!(hub.mint_calls().len(), 1, "cached");
}

#[test]
fn a_minted_token_is_exchanged_again_shortly_before_it_expires() {
    let (env, hub) = setup();
    hub.set_mint(REQUEST_TOKEN, ID_TOKEN);
    // Less than the five-minute margin: every request exchanges again, as in Python.
    hub.add_id_token(ID_TOKEN, RESOURCE, "alice", EXCHANGED, 200);
    env.set_env("GITHUB_ACTIONS", "true");
    env.set_env("ACTIONS_ID_TOKEN_REQUEST_URL", &hub.mint_url());
    env.set_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN);
    token(&env).ok();
    token(&env).ok();
    assert_eq!(hub.oauth_calls().len(), 2);
    // A given id token cannot be minted again: Python uses its exchange to the end.
    let (env, hub) = setup();
    hub.add_id_token(ID_TOKEN, RESOURCE, "alice", EXCHANGED, 200);
    env.set_env("HF_OIDC_ID_TOKEN", ID_TOKEN);
    token(&env).ok();
    token(&env).ok();
    assert_eq!(hub.oauth_calls().len(), 1);
}

#[test]
fn failures_are_errors_never_a_fall_through() {
    let (env, hub) = setup();
    env.set_env("HF_TOKEN", "hf_EnvTokenMustNotBeUsedXXXXXXXXXXXXXX");
    env.secret("hf_EnvTokenMustNotBeUsedXXXXXXXXXXXXXX");

    // No id token, not in GitHub Actions: nothing to exchange, no network.
    token(&env)
        .code(1)
        .stdout_is("")
        .stderr_has("HF_OIDC_RESOURCE is set but no OIDC id token is available")
        .stderr_has("unset HF_OIDC_RESOURCE");
    // GitHub Actions without `id-token: write`.
    env.cmd(&["token"])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .code(1)
        .stdout_is("")
        .stderr_has("permissions: id-token: write");
    assert!(hub.oauth_calls().is_empty());

    // The Hub refuses the exchange.
    env.cmd(&["token"])
        .env("HF_OIDC_ID_TOKEN", ID_TOKEN)
        .run()
        .code(1)
        .stdout_is("")
        .stderr_has("the OIDC token exchange for HF_OIDC_RESOURCE=alice/model failed: the Hub answered HTTP 401")
        .stderr_has("No trusted publisher matches")
        .stderr_has("Trusted Publisher");
    // git gets nothing either (and no other token).
    let fill = env
        .git_fill(&[])
        .env("HF_OIDC_ID_TOKEN", ID_TOKEN)
        .stdin(format!("protocol=http\nhost=127.0.0.1:{}\n\n", hub.port()))
        .run();
    assert_eq!(fill.field("password"), None);
    assert!(!fill.stdout.contains("hf_EnvToken"));
    // The minting endpoint refuses.
    hub.set_mint("another-request-token", ID_TOKEN);
    env.cmd(&["token"])
        .env("GITHUB_ACTIONS", "true")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", hub.mint_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
        .run()
        .code(1)
        .stderr_has("minting the GitHub Actions id token: the runtime answered HTTP 401");
}
