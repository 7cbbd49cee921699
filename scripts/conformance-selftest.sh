#!/usr/bin/env bash
# Self-test of scripts/conformance.sh on hand-made feeds:
#   scripts/testdata/conformance/good/          must pass as a whole;
#   scripts/testdata/conformance/bad/<case>/    each must fail, and the
#       checker's output must contain the text in <case>/expect (so each
#       case fails for the reason it was written for);
#   a folder without feeds, and a missing folder, must fail.
# Ends with "N passed, N failed"; exit status 1 if any check went wrong.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checker="$here/conformance.sh"
data="$here/testdata/conformance"
passed=0
failed=0
out="$(mktemp)"
empty="$(mktemp -d)"
trap 'rm -rf "$out" "$empty"' EXIT

pass() { passed=$((passed + 1)); echo "ok     $1"; }
fail() { failed=$((failed + 1)); echo "NOT OK $1"; sed 's/^/       | /' "$out"; }

# good: every file must pass
if "$checker" "$data/good" >"$out" 2>&1; then
    pass "good/ passes ($(grep -c '^OK ' "$out") files)"
else
    fail "good/ should pass"
fi

# bad: each case must fail, for its stated reason
for dir in "$data"/bad/*/; do
    case_name="$(basename "$dir")"
    expect="$(cat "$dir/expect")"
    status=0
    "$checker" "$dir" >"$out" 2>&1 || status=$?
    if [ "$status" -eq 0 ]; then
        fail "bad/$case_name should fail but passed"
    elif [ "$status" -ne 1 ]; then
        fail "bad/$case_name: exit status $status, expected 1"
    elif ! grep -qF -- "$expect" "$out"; then
        fail "bad/$case_name failed, but its output lacks: $expect"
    elif ! grep -q "^FAIL .*$case_name/" "$out"; then
        fail "bad/$case_name failed without a FAIL line naming the file"
    else
        pass "bad/$case_name fails ($expect)"
    fi
done

# a folder without feeds, and a missing folder
status=0
"$checker" "$empty" >"$out" 2>&1 || status=$?
if [ "$status" -eq 1 ] && grep -q "no rss.xml, atom.xml or feed.json" "$out"; then
    pass "a folder without feeds fails"
else
    fail "a folder without feeds should fail (status $status)"
fi
status=0
"$checker" "$empty/missing" >"$out" 2>&1 || status=$?
if [ "$status" -eq 1 ] && grep -q "not a directory" "$out"; then
    pass "a missing folder fails"
else
    fail "a missing folder should fail (status $status)"
fi

echo "conformance-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
