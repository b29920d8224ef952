#!/bin/sh
# make lint: clang-format must agree with the tree, and banned functions
# (the project's style: unbounded or unchecked string and number
# functions) must not appear in geoha's C code. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
files=$(git ls-files --cached --others --exclude-standard \
        '*.c' '*.h' 2>/dev/null | grep -v '^tests/fuzz/corpus' || true)
n=0
fail=0
echo "1..2"

bad=""
for f in $files; do
    [ -f "$f" ] || continue
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
        bad="$bad $f"
    fi
done
n=$((n + 1))
if [ -z "$bad" ]; then
    echo "ok $n - clang-format agrees with every C file"
else
    echo "not ok $n - clang-format differs:$bad"
    for f in $bad; do clang-format --style=file "$f" | diff -u "$f" - | head -20 | sed 's/^/# /'; done
    fail=1
fi

banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets|sscanf|system|popen)[[:space:]]*\('
hits=""
for f in $files; do
    [ -f "$f" ] || continue
    h=$(grep -nE "$banned" "$f" | grep -vE '^\s*[0-9]+:\s*(\*|//)' || true)
    [ -n "$h" ] && hits="$hits
$f: $h"
done
n=$((n + 1))
if [ -z "$hits" ]; then
    echo "ok $n - no banned functions (sprintf strcpy strcat strncpy strtok atoi gets sscanf system popen)"
else
    echo "not ok $n - banned functions used:"
    echo "$hits" | sed 's/^/# /'
    fail=1
fi
exit $fail
