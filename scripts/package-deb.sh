#!/usr/bin/env bash
# Builds the Debian package of feedsmith and prints the .deb's path as the
# last line of its output.
#
#   scripts/package-deb.sh
#
# 1. `cargo build --release --locked`; build.rs writes the man pages and
#    shell completions into its OUT_DIR, found from cargo's
#    build-script-executed message (the folder name has a hash in it);
# 2. copies them to <target dir>/release/generated/, where the assets of
#    [package.metadata.deb] in Cargo.toml find them as
#    target/release/generated/..., man pages gzipped (gzip -n: no name or
#    time inside, so the same sources give the same bytes), and the Debian
#    changelog;
# 3. writes generated/feedsmith.toml, the packaged /etc/feedsmith/feedsmith.toml:
#    what the new binary's `feedsmith init` writes (every key, commented),
#    with articles_dir, output_dir and state_file set to /var/lib/feedsmith;
# 4. `cargo deb --no-build --strip` (installs cargo-deb first when missing:
#    without default features, so no liblzma is compiled; it runs the
#    system's xz instead). --strip because cargo-deb keeps the symbols when
#    the release profile asks for line tables.
# The .deb goes to <target dir>/debian/. Needs cargo, gzip, xz and strip.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=${CARGO_DEB_VERSION:-3.8.0}
fail() {
    echo "package-deb: $*" >&2
    exit 1
}

if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "package-deb: installing cargo-deb $CARGO_DEB_VERSION ..." >&2
    cargo install --locked --no-default-features --version "$CARGO_DEB_VERSION" cargo-deb ||
        fail "cargo install cargo-deb failed"
fi

# The target directory as cargo resolves it (CARGO_TARGET_DIR, config, ...).
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[[ -d $target_dir ]] || fail "cannot tell cargo's target directory (got '$target_dir')"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[[ -n $version ]] || fail "cannot read feedsmith's version from Cargo.toml"

# 1. Build; cargo reports every build script's OUT_DIR, fresh or rerun.
messages=$(mktemp)
trap 'rm -rf "$messages" "${site:-}"' EXIT
cargo build --release --locked --message-format=json-render-diagnostics >"$messages" ||
    fail "cargo build --release failed"
out_dir=$(grep '"reason":"build-script-executed"' "$messages" |
    grep -E "\"package_id\":\"(path\+file://[^\"#]*#feedsmith@|feedsmith )${version}[\" ]" |
    sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' | tail -n 1)
[[ -n $out_dir && -d $out_dir/man && -d $out_dir/completions ]] ||
    fail "no build-script-executed message with man/ and completions/ for feedsmith $version"
bin=$target_dir/release/feedsmith
[[ -x $bin ]] || fail "no binary at $bin"

# 2. Man pages and completions.
generated=$target_dir/release/generated
rm -rf "$generated"
mkdir -p "$generated/man" "$generated/completions"
for page in "$out_dir"/man/*.1; do
    gzip -9 -n -c "$page" >"$generated/man/$(basename "$page").gz"
done
cp "$out_dir"/completions/{feedsmith.bash,_feedsmith,feedsmith.fish} "$generated/completions/"

# The Debian changelog: one entry per version, pointing at the upstream one
# (CHANGELOG.md, packaged as changelog.gz). Its date is the last commit's,
# so a rebuild of the same commit gives the same bytes.
maintainer=$(sed -n 's/^maintainer = "\(.*\)"$/\1/p' Cargo.toml)
[[ -n $maintainer ]] || fail "no maintainer in [package.metadata.deb]"
when=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
cat >"$generated/changelog.Debian" <<EOF
feedsmith ($version-1) unstable; urgency=medium

  * feedsmith $version, packaged with cargo-deb. What changed is in
    /usr/share/doc/feedsmith/changelog.gz.

 -- $maintainer  $(LC_ALL=C date -u -R -d "@$when")
EOF
gzip -9 -n -f "$generated/changelog.Debian"

# 3. The configuration: init's text, the site's paths made absolute (this
# file lives in /etc/feedsmith, and relative paths are read from there).
site=$(mktemp -d)
init_log=$("$bin" init "$site" --title feedsmith 2>&1) || fail "feedsmith init failed: $init_log"
config=$generated/feedsmith.toml
{
    cat <<'EOF'
# /etc/feedsmith/feedsmith.toml, read by feedsmith.service. Set title and
# base_url (and feeds_url when a web server publishes the feeds elsewhere),
# then `systemctl enable --now feedsmith`; after later edits,
# `systemctl reload feedsmith`. The site is /var/lib/feedsmith: stories in
# articles/ (writable by group feedsmith), feeds in feeds/.

EOF
    cat "$site/feedsmith.toml"
} >"$config.in"
for key in articles_dir:articles output_dir:feeds state_file:.feedsmith/state.json; do
    name=${key%%:*}
    rel=${key#*:}
    line="# $name = \"$rel\""
    [[ $(grep -cxF "$line" "$config.in") == 1 ]] ||
        fail "feedsmith init no longer writes the line '$line': update this script"
    # ($rel holds no sed metacharacters but the dot, which matches itself too.)
    sed -i "s|^# $name = \"$rel\"\$|$name = \"/var/lib/feedsmith/$rel\"|" "$config.in"
done
mv "$config.in" "$config"
# It must read as feedsmith will read it (the folders overridden: they are
# made by the package on the machine it is installed on).
mkdir -p "$site/articles"
"$bin" check --config "$config" --articles "$site/articles" --output "$site/feeds" \
    --state "$site/state.json" -q || fail "feedsmith check rejects the generated $config"

# 4. The package.
cargo deb --no-build --strip --output "$target_dir/debian/" >"$messages" ||
    fail "cargo deb failed"
deb=$(tail -n 1 "$messages")
[[ $deb == *.deb && -f $deb ]] || fail "cargo deb did not say where the package is (said: $(cat "$messages"))"
echo "$deb"
