//! Man pages and shell completions, generated from the clap definitions in
//! `src/cli.rs` so they never drift from the flags. They are written into
//! `OUT_DIR` (`man/*.1`, `completions/`); `scripts/package-deb.sh` copies
//! them where the Debian package picks them up.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

// The flags only: `src/cli.rs` depends on clap alone, so the build script
// can compile it as it is. Nothing here reads the parsed values.
#[allow(dead_code, unreachable_pub)]
#[path = "src/cli.rs"]
mod cli;

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| std::io::Error::other("cargo sets OUT_DIR"))?;
    let out_dir = Path::new(&out_dir);
    let cmd = cli::Cli::command();

    // feedsmith.1, then feedsmith-build.1 and one more per subcommand.
    let man = out_dir.join("man");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(cmd.clone(), &man)?;

    // completions/feedsmith.bash, completions/_feedsmith, completions/feedsmith.fish
    let completions = out_dir.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd.clone(), "feedsmith", &completions)?;
    }
    Ok(())
}
