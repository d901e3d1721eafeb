#!/bin/sh
# Run every cmocka unit-test binary given; fail if any fails.
status=0
for t in "$@"; do
	"$t" || status=1
done
exit $status
