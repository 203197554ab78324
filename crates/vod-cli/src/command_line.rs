//! The command line this process was started with, quoted so it can be pasted back into a shell.
//!
//! An interrupted or failed upload resumes by running the same command again (the checkpoint's
//! default path is derived from it), so the hint prints exactly that command instead of
//! describing it.

/// This process's arguments, each quoted for a POSIX shell where needed.
pub fn as_typed() -> String {
    let args: Vec<String> = std::env::args_os()
        .map(|a| quote(&a.to_string_lossy()))
        .collect();
    args.join(" ")
}

/// `arg` as one shell word: unchanged when it has only characters no shell treats specially,
/// else in single quotes (a `'` inside becomes `'\''`).
pub fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=:,@%+".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn only_what_a_shell_would_split_or_expand_is_quoted() {
        assert_eq!(quote("upload"), "upload");
        assert_eq!(quote("--part-size=8MiB"), "--part-size=8MiB");
        assert_eq!(quote("/tmp/a b.mp4"), "'/tmp/a b.mp4'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote(""), "''");
    }
}
