//! How build.rs links the executable on Linux: not as a PIE, unless `--features pie`.

/// ELF's e_type of the built binary: 2 is a fixed-address executable, 3 a PIE (or a library).
fn elf_type() -> u16 {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_git-credential-hf")).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    u16::from_le_bytes([bytes[16], bytes[17]])
}

#[test]
fn the_executable_is_linked_as_the_pie_feature_says() {
    let expected = if cfg!(feature = "pie") { 3 } else { 2 };
    assert_eq!(
        elf_type(),
        expected,
        "ELF type 2 = not a PIE, 3 = PIE (see build.rs)"
    );
}
