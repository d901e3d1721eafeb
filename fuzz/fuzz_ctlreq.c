/* libFuzzer harness: the stats socket's request judge, ctl_request, at the
 * speed of a pure function (fuzz_ctl drives the whole server over a real
 * socket, ~1 k runs/s).  Input: byte 0 says whether the client half-closes
 * (bit 0) and how large the reads are (bits 1..7, 1..127 bytes); the rest is
 * what the client sent, in a buffer of exactly its size.
 * Oracles: (1) a second, deliberately naive reading of the protocol gives
 * the same verdict; (2) fed read by read as the server does, the first
 * verdict that is not CTL_REQ_MORE is the verdict on the whole input, and
 * no prefix is judged once a verdict was given. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peek/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The protocol as the man page states it, written without cleverness. */
static int naive(const char *buf, size_t len, int eof)
{
	size_t end = 0, lim = len < CTL_MAX_REQUEST ? len : CTL_MAX_REQUEST;
	int found = 0;

	for (size_t i = 0; i < lim; i++) {
		if (buf[i] == '\n') {
			end = i;
			found = 1;
			break;
		}
	}
	if (!found) {
		if (lim == CTL_MAX_REQUEST)
			return CTL_REQ_BAD;
		if (!eof)
			return CTL_REQ_MORE;
		if (lim == 0)
			return CTL_REQ_BAD;
		end = lim;
	}
	while (end > 0 && strchr("\r\n \t", buf[end - 1]) != NULL && buf[end - 1] != '\0')
		end--;
	if (end == 7 && memcmp(buf, "REFRESH", 7) == 0)
		return CTL_REFRESH;
	return CTL_GET;         /* any other line, as the original */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *req;
	size_t len, step, have;
	int eof, whole, v = CTL_REQ_MORE;

	if (size < 1)
		return 0;
	eof = data[0] & 1;
	step = (size_t)(data[0] >> 1);
	if (step == 0)
		step = 1;
	len = size - 1;
	/* a copy of exactly LEN bytes: ASan sees any read past the end */
	req = len ? malloc(len) : NULL;
	if (len && req == NULL)
		return 0;
	if (len)
		memcpy((char *)req, data + 1, len);

	whole = ctl_request(req ? req : "", len, eof);
	if (whole != naive(req ? req : "", len, eof))
		abort();
	if (whole != CTL_GET && whole != CTL_REFRESH && whole != CTL_REQ_BAD &&
	    whole != CTL_REQ_MORE)
		abort();

	/* the server's way: one read at a time, judging after each */
	for (have = 0; have < len && v == CTL_REQ_MORE;) {
		have += step < len - have ? step : len - have;
		v = ctl_request(req, have, 0);
	}
	if (v == CTL_REQ_MORE && eof)
		v = ctl_request(req ? req : "", len, 1);
	if (v != whole)
		abort();
	free((char *)req);
	return 0;
}
