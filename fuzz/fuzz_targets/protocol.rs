//! Arbitrary bytes into the credential reader: it never panics, and whatever it accepts
//! writes back and reads again as the same request.
#![no_main]

use git_credential_hf::fuzzing::{fields, read_request, write_fields};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = read_request(data) else {
        return;
    };
    let _ = req.origin();
    let mut out = Vec::new();
    write_fields(&mut out, &fields(&req)).expect("an accepted request writes back");
    let again = read_request(&out[..]).expect("a written request reads back");
    assert_eq!(again, req);
});
