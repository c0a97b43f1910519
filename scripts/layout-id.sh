#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The layout id of include/bufpool_layout.h: __BUFPOOL_LAYOUT, which names
# the symbol the inline code references (see the header), so that a client
# module built against another layout does not load.  It is a hash of the
# header's code: comments and white space do not count, every other change
# does (a member, an attribute, an enum value, a macro, an inline body).
# It is "x" and 12 hex digits: an identifier in the header and, after a
# "0", a number the module's build compares.
#
#   scripts/layout-id.sh [HEADER]           print the id the code has
#   scripts/layout-id.sh --check [HEADER]   exit 1 if the header's
#                                           __BUFPOOL_LAYOUT is not that id
#   scripts/layout-id.sh --update [HEADER]  write the id into the header
#
# Kbuild runs the first form and module/layout.c fails the build on a
# mismatch: after a change to the header, run --update.
set -euo pipefail

mode=print
case "${1:-}" in
--check | --update)
	mode=${1#--}
	shift
	;;
esac
header=${1:-$(dirname "${BASH_SOURCE[0]}")/../include/bufpool_layout.h}
define='^#define __BUFPOOL_LAYOUT[[:space:]]'

# The code without comments (the preprocessor's own reading, directives
# kept, nothing expanded), without the id's own line, without white space.
id=$(grep -v "$define" "$header" |
	${CC:-gcc} -fpreprocessed -dD -E -P -x c - 2>/dev/null |
	tr -d ' \t\n' | sha256sum | cut -c1-12 | sed 's/^/x/')

case "$mode" in
print)
	echo "$id"
	;;
check)
	have=$(sed -n "s/$define*\(x[0-9a-f]*\).*/\1/p" "$header")
	if [ "$have" != "$id" ]; then
		echo "$header: __BUFPOOL_LAYOUT is ${have:-missing}, its code's id is $id: run $0 --update" >&2
		exit 1
	fi
	;;
update)
	sed -i "s/\($define*\)[0-9A-Za-z_]*/\1$id/" "$header"
	grep -n "$define" "$header"
	;;
esac
