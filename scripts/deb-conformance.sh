#!/usr/bin/env bash
# Debian package conformance: the package scripts/package-deb.sh builds,
# installed on this machine, used, removed and purged.
#
#   bash scripts/deb-conformance.sh
#
# Runs as root on Debian 12 (CI) and installs what it lacks with apt-get:
# man-db, systemd (for systemd-analyze, systemd-sysusers and
# systemd-tmpfiles; systemd need not be running), lintian, binutils (strip,
# readelf), xz-utils (cargo-deb compresses with xz), python3 (for
# scripts/conformance.sh, which installs its own validators). An
# installed feedsmith package is purged first, so the script can run again.
# Steps:
#   a. build the .deb; lintian (errors fail, the rest is printed);
#   b. dpkg -i, then again over itself as in a container without systemd
#      (the maintainer scripts must be safe to rerun, and their fallbacks
#      must do what systemd-sysusers and systemd-tmpfiles do);
#   c. what it installed: the binary (stripped, the version of Cargo.toml),
#      a man page per command, completions for bash, zsh and fish, the unit
#      (systemd-analyze verify; disabled; in agreement with the
#      configuration), the feedsmith user and group, the folders under
#      /var/lib/feedsmith with their owners and modes, the conffile;
#   d. an editor (a user in group feedsmith) writes a story; the feedsmith
#      user builds valid feeds from it with the packaged configuration;
#   e. an operator's `systemctl enable`, then dpkg --remove: the
#      configuration and the site stay; dpkg --purge: nothing of the package
#      is left, the enablement neither. The feedsmith user and group stay:
#      Debian policy asks packages not to remove users.
# One "OK" line per check; the first failure prints "FAIL ..." and exits 1,
# leaving the package installed to look at.
set -euo pipefail

# shellcheck source=scripts/serve/lib.sh
source "$(dirname "$0")/serve/lib.sh" # ok, warn, fail, ensure_packages, REPO_ROOT
cd "$REPO_ROOT"

[[ $EUID -eq 0 ]] || fail "run as root: the script installs and purges the package"
ensure_packages man-db systemd lintian binutils xz-utils python3

SITE=/var/lib/feedsmith
CONFIG=/etc/feedsmith/feedsmith.toml
UNIT=/usr/lib/systemd/system/feedsmith.service
WANTS=/etc/systemd/system/multi-user.target.wants/feedsmith.service
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
tmp=$(mktemp -d /tmp/feedsmith-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
started=$SECONDS
pass() {
    ok "$@"
    passed=$((passed + 1))
}
# as USER CMD... — run CMD as USER (with USER's groups) in the site folder,
# as the unit runs the daemon.
as() {
    local user=$1
    shift
    (cd "$SITE" && setpriv --reuid "$user" --regid "$user" --init-groups -- "$@")
}
# mode_owner PATH — "2770 feedsmith:feedsmith"
mode_owner() { stat -c '%a %U:%G' "$1"; }
purge_installed() {
    if dpkg-query -W feedsmith >/dev/null 2>&1; then
        dpkg --purge feedsmith >"$tmp/purge.log" 2>&1 || {
            cat "$tmp/purge.log" >&2
            fail "dpkg --purge feedsmith failed (log above)"
        }
    fi
}

# ---------------------------------------------------------------- a. build
purge_installed
t0=$SECONDS
deb=$(scripts/package-deb.sh | tail -n 1)
[[ -f $deb ]] || fail "scripts/package-deb.sh printed no package path"
build_seconds=$((SECONDS - t0))
pass "a: built $deb ($(stat -c %s "$deb") bytes) in ${build_seconds} s"
# Every file the package holds, for the purge check.
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./\(.*[^/]\)$|/\1|p' >"$tmp/files"
[[ -s $tmp/files ]] || fail "a: dpkg-deb lists no file in $deb"

lintian_rc=0
lintian --pedantic --fail-on error "$deb" >"$tmp/lintian.log" 2>&1 || lintian_rc=$?
grep -v '^running with root privileges' "$tmp/lintian.log" | sed 's/^/     lintian: /' || true
((lintian_rc == 0)) || fail "a: lintian reports errors (above)"
pass "a: lintian --pedantic: no error ($(grep -c '^[WIPX]:' "$tmp/lintian.log" || true) other findings, above)"

# ---------------------------------------------------------------- b. install
dpkg_i() { # WHAT [COMMAND...] — dpkg -i the package, through COMMAND if given
    local what=$1
    shift
    "$@" dpkg -i "$deb" >"$tmp/install.log" 2>&1 || {
        cat "$tmp/install.log" >&2
        fail "b: dpkg -i $deb failed ($what, log above)"
    }
}
dpkg_i "first install"
[[ $(dpkg-query -W -f='${Status} ${Version}' feedsmith) == "install ok installed $version-1" ]] ||
    fail "b: dpkg-query says '$(dpkg-query -W -f='${Status} ${Version}' feedsmith)', expected 'install ok installed $version-1'"
pass "b: dpkg -i: feedsmith $version-1 installed"

# Again over itself, as in a container without systemd: systemd-sysusers
# and systemd-tmpfiles hidden (bound over by an empty file, in a mount
# namespace of its own), and a folder's mode and owner spoiled first:
# postinst's fallback reads the tmpfiles.d lines and puts them back.
chmod 0700 "$SITE/articles"
chown root:root "$SITE/articles"
: >"$tmp/absent"
without_systemd_tools() {
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare --mount --propagation private sh -c '
        absent=$1
        shift
        mount --bind "$absent" /usr/bin/systemd-sysusers &&
            mount --bind "$absent" /usr/bin/systemd-tmpfiles &&
            ! command -v systemd-sysusers >/dev/null && exec "$@"' _ "$tmp/absent" "$@"
}
if without_systemd_tools true 2>/dev/null; then
    dpkg_i "again, without systemd-sysusers and systemd-tmpfiles" without_systemd_tools
    [[ $(mode_owner "$SITE/articles") == "2770 feedsmith:feedsmith" ]] ||
        fail "b: postinst without systemd-tmpfiles left $SITE/articles $(mode_owner "$SITE/articles")"
    pass "b: dpkg -i again, without systemd-sysusers and systemd-tmpfiles: the folders' modes and owners restored"
else
    warn "b: cannot hide systemd-sysusers in a mount namespace here (unshare); reinstalling with them"
    dpkg_i "again"
    pass "b: dpkg -i again over itself"
fi

# ---------------------------------------------------------------- c. files
[[ $(command -v feedsmith) == /usr/bin/feedsmith ]] || fail "c: feedsmith on PATH is '$(command -v feedsmith)', not /usr/bin/feedsmith"
[[ $(feedsmith --version) == "feedsmith $version" ]] || fail "c: feedsmith --version says '$(feedsmith --version)', Cargo.toml has $version"
# (.debug_gdb_scripts is loaded with the program, not debug information:
# strip keeps it.)
symbols=$(readelf -S --wide /usr/bin/feedsmith | grep -oE '\.(symtab|debug_[a-z_]+)' | grep -vx '\.debug_gdb_scripts' || true)
[[ -z $symbols ]] || fail "c: /usr/bin/feedsmith is not stripped: $(paste -sd' ' - <<<"$symbols")"
pass "c: /usr/bin/feedsmith: 'feedsmith $version', stripped, $(stat -c %s /usr/bin/feedsmith) bytes"

# A man page for feedsmith and for each command its --help lists.
mapfile -t commands < <(feedsmith --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help)
((${#commands[@]} >= 6)) || fail "c: feedsmith --help lists ${#commands[@]} commands: ${commands[*]}"
for page in feedsmith "${commands[@]/#/feedsmith-}"; do
    path=$(man -w "$page" 2>/dev/null) || fail "c: man -w $page finds no page"
    [[ $path == "/usr/share/man/man1/$page.1.gz" ]] || fail "c: man -w $page gives $path"
    gzip -t "$path" || fail "c: $path is not gzip"
done
MANWIDTH=100 LC_ALL=C.UTF-8 man -P cat feedsmith-watch 2>/dev/null | grep -q -- '--serve' ||
    fail "c: man feedsmith-watch does not show --serve"
MANWIDTH=100 LC_ALL=C.UTF-8 man -P cat feedsmith 2>/dev/null | grep -q 'feedsmith-watch(1)' ||
    fail "c: man feedsmith does not refer to feedsmith-watch(1)"
pass "c: man pages feedsmith and feedsmith-{$(IFS=,; echo "${commands[*]}")} (gzipped, rendered)"

bash_completion=/usr/share/bash-completion/completions/feedsmith
zsh_completion=/usr/share/zsh/vendor-completions/_feedsmith
fish_completion=/usr/share/fish/vendor_completions.d/feedsmith.fish
for f in "$bash_completion" "$zsh_completion" "$fish_completion"; do
    [[ -s $f ]] || fail "c: completion $f is missing or empty"
done
bash -n "$bash_completion" || fail "c: bash -n $bash_completion"
bash -c 'source "$1" && complete -p feedsmith' _ "$bash_completion" >/dev/null ||
    fail "c: sourcing $bash_completion registers no completion for feedsmith"
shells="bash (syntax, registers)"
if command -v zsh >/dev/null; then
    zsh -n "$zsh_completion" || fail "c: zsh -n $zsh_completion"
    shells+=", zsh (syntax)"
fi
if command -v fish >/dev/null; then
    fish -n "$fish_completion" || fail "c: fish -n $fish_completion"
    shells+=", fish (syntax)"
fi
pass "c: completions for bash, zsh, fish present; checked: $shells"

# systemd-analyze verify needs no running systemd; it also checks that
# ExecStart's binary and Documentation's man pages exist.
systemd-analyze verify "$UNIT" >"$tmp/verify.log" 2>&1 || {
    cat "$tmp/verify.log" >&2
    fail "c: systemd-analyze verify $UNIT (above)"
}
[[ ! -s $tmp/verify.log ]] || {
    cat "$tmp/verify.log" >&2
    fail "c: systemd-analyze verify $UNIT warns (above)"
}
unit_value() { sed -n "s/^$1=//p" "$UNIT"; }
config_value() { sed -n "s/^$1 = \"\\(.*\\)\"\$/\\1/p" "$CONFIG"; }
[[ $(unit_value ExecStart) == "/usr/bin/feedsmith watch --config $CONFIG" ]] || fail "c: ExecStart=$(unit_value ExecStart)"
[[ $(unit_value WorkingDirectory) == "$SITE" ]] || fail "c: WorkingDirectory=$(unit_value WorkingDirectory)"
[[ $(unit_value User) == feedsmith && $(unit_value Group) == feedsmith ]] || fail "c: the unit does not run as feedsmith:feedsmith"
output_dir=$(config_value output_dir)
state_dir=$(dirname "$(config_value state_file)")
[[ $(config_value articles_dir) == "$SITE/articles" && $output_dir == "$SITE/feeds" && $state_dir == "$SITE/.feedsmith" ]] ||
    fail "c: $CONFIG: articles_dir, output_dir, state_file are not the site's folders"
[[ $(unit_value ReadWritePaths) == "$output_dir $state_dir" ]] ||
    fail "c: ReadWritePaths=$(unit_value ReadWritePaths), the configuration writes $output_dir and $state_dir"
enabled=$(systemctl is-enabled feedsmith.service 2>/dev/null || true)
[[ $enabled == disabled ]] || fail "c: feedsmith.service is '$enabled' after install, expected disabled"
if [[ -d /run/systemd/system ]]; then
    active=$(systemctl is-active feedsmith.service 2>/dev/null || true)
    [[ $active == inactive ]] || fail "c: feedsmith.service is '$active' after install, expected inactive"
fi
pass "c: $UNIT: systemd-analyze verify clean, disabled, agrees with $CONFIG (ExecStart, WorkingDirectory, ReadWritePaths)"

IFS=: read -r _ _ uid gid _ home shell < <(getent passwd feedsmith) || fail "c: no user feedsmith"
getent group feedsmith >/dev/null || fail "c: no group feedsmith"
[[ $(getent group feedsmith | cut -d: -f3) == "$gid" ]] || fail "c: user feedsmith's primary group is not feedsmith"
((uid < 1000)) || fail "c: user feedsmith has uid $uid, not a system uid"
[[ $home == "$SITE" && $shell == */nologin ]] || fail "c: user feedsmith: home $home, shell $shell"
pass "c: system user feedsmith (uid $uid) and group feedsmith, home $home, shell $shell"

for want in "$SITE 755 root:root" "$SITE/articles 2770 feedsmith:feedsmith" \
    "$SITE/feeds 755 feedsmith:feedsmith" "$SITE/.feedsmith 750 feedsmith:feedsmith"; do
    dir=${want%% *}
    [[ -d $dir ]] || fail "c: no folder $dir"
    [[ "$dir $(mode_owner "$dir")" == "$want" ]] || fail "c: $dir is $(mode_owner "$dir"), expected ${want#* }"
done
pass "c: $SITE 755 root, articles/ 2770, feeds/ 755, .feedsmith/ 750 (feedsmith:feedsmith)"

# shellcheck disable=SC2016 # ${Conffiles} is dpkg-query's
dpkg-query --showformat='${Conffiles}\n' -W feedsmith | grep -q "^ $CONFIG [0-9a-f]\{32\}\$" ||
    fail "c: $CONFIG is not a conffile: $(dpkg-query --showformat='${Conffiles}' -W feedsmith)"
as feedsmith feedsmith check --config "$CONFIG" -q || fail "c: feedsmith check --config $CONFIG"
pass "c: $CONFIG is a conffile, and feedsmith check accepts it"

# ---------------------------------------------------------------- d. use
# An editor: any user whose groups include feedsmith (here nobody, given
# the group for this command only).
story=$SITE/articles/2024-03-07-package.md
# shellcheck disable=SC2016 # expanded by the inner sh
setpriv --reuid nobody --regid nogroup --groups feedsmith -- sh -c 'cat >"$1"' _ "$story" <<'EOF'
+++
title = "Installed from the Debian package"
date = 2024-03-07T09:00:00Z
tags = ["debian"]
+++

A story written by a member of group feedsmith into /var/lib/feedsmith/articles.
EOF
[[ $(stat -c %G "$story") == feedsmith ]] || fail "d: $story is in group $(stat -c %G "$story"): articles/ is not setgid"
if setpriv --reuid nobody --regid nogroup --clear-groups -- ls "$SITE/articles" >/dev/null 2>&1; then
    fail "d: a user outside group feedsmith can read $SITE/articles"
fi
pass "d: a member of group feedsmith wrote $story (group feedsmith); others cannot read articles/"

as feedsmith feedsmith build --config "$CONFIG" -q || fail "d: feedsmith build --config $CONFIG as user feedsmith"
for f in rss.xml atom.xml feed.json index.html; do
    [[ -f $output_dir/$f ]] || fail "d: the build wrote no $output_dir/$f"
    [[ $(stat -c %U "$output_dir/$f") == feedsmith ]] || fail "d: $output_dir/$f is not feedsmith's"
    [[ $(stat -c %A "$output_dir/$f") == -??????r?? ]] || fail "d: $output_dir/$f is not readable by others (a web server)"
done
grep -q 'Installed from the Debian package' "$output_dir/rss.xml" || fail "d: the story is not in $output_dir/rss.xml"
[[ -f $SITE/.feedsmith/state.json ]] || fail "d: no state file in $SITE/.feedsmith"
site_entries=$(find "$SITE" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | paste -sd' ' -)
[[ $site_entries == ".feedsmith articles feeds" ]] || fail "d: the build left something else in $SITE: $site_entries"
[[ $(find "$SITE/articles" -mindepth 1) == "$story" ]] || fail "d: the build wrote into $SITE/articles"
scripts/conformance.sh "$output_dir" >"$tmp/conformance.log" 2>&1 || {
    cat "$tmp/conformance.log" >&2
    fail "d: scripts/conformance.sh $output_dir (above)"
}
pass "d: feedsmith build as user feedsmith wrote the story into $output_dir; scripts/conformance.sh: $(grep -c '^OK' "$tmp/conformance.log") files valid"

# ---------------------------------------------------------------- e. remove, purge
systemctl enable feedsmith.service >/dev/null 2>&1 || fail "e: systemctl enable feedsmith.service"
[[ -L $WANTS ]] || fail "e: systemctl enable made no $WANTS"
dpkg --remove feedsmith >"$tmp/remove.log" 2>&1 || {
    cat "$tmp/remove.log" >&2
    fail "e: dpkg --remove feedsmith (above)"
}
[[ ! -e /usr/bin/feedsmith && ! -e $UNIT ]] || fail "e: dpkg --remove left /usr/bin/feedsmith or the unit"
[[ -f $CONFIG && -f $story && -f $output_dir/rss.xml ]] || fail "e: dpkg --remove took the configuration or the site"
pass "e: dpkg --remove: program gone; $CONFIG and $SITE (stories, feeds) kept"

dpkg --purge feedsmith >"$tmp/purge.log" 2>&1 || {
    cat "$tmp/purge.log" >&2
    fail "e: dpkg --purge feedsmith (above)"
}
# The stories are the newsroom's, not the package's: kept, and said so.
[[ -f $story ]] || fail "e: dpkg --purge deleted the stories in $SITE/articles"
grep -q "kept $SITE/articles" "$tmp/purge.log" || fail "e: the purge kept $SITE/articles without saying so: $(cat "$tmp/purge.log")"
for gone in /etc/feedsmith "$output_dir" "$SITE/.feedsmith"; do
    [[ ! -e $gone ]] || fail "e: dpkg --purge left $gone"
done
pass "e: dpkg --purge keeps $SITE/articles with its stories (and says so), removes the feeds, the state and /etc/feedsmith"
rm -rf "$SITE"
# With no story, nothing of the site is left.
dpkg -i "$deb" >"$tmp/reinstall.log" 2>&1 || { cat "$tmp/reinstall.log" >&2; fail "e: dpkg -i again"; }
dpkg --purge feedsmith >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "e: dpkg --purge of a site without stories"; }
left=()
while read -r f; do
    if [[ -e $f || -L $f ]]; then left+=("$f"); fi
done < <(cat "$tmp/files" && printf '%s\n' /etc/feedsmith "$SITE" "$WANTS" /etc/systemd/system/feedsmith.service)
((${#left[@]} == 0)) || fail "e: dpkg --purge left ${left[*]}"
if dpkg-query -W feedsmith >/dev/null 2>&1; then fail "e: dpkg still knows feedsmith after the purge"; fi
pass "e: dpkg --purge: none of the package's $(wc -l <"$tmp/files") files, no /etc/feedsmith, no $SITE, no enablement left"
getent passwd feedsmith >/dev/null || fail "e: the purge removed the feedsmith user"
pass "e: the feedsmith user and group are kept, as Debian policy asks"

echo "deb-conformance: package built in ${build_seconds} s, whole run $((SECONDS - started)) s"
echo "deb-conformance: $passed passed, 0 failed"
