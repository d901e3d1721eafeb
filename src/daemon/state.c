#include "daemon/state.h"

const char *tstate_str(enum tstate s)
{
	switch (s) {
	case TS_UP: return "up";
	case TS_DOWN: return "down";
	default: return "unknown";
	}
}

int thealth_feed(struct thealth *h, int success, int rise, int fall)
{
	enum tstate old = h->state;

	if (success) {
		h->fail_run = 0;
		if (h->ok_run < rise)
			h->ok_run++;
		if (h->ok_run >= rise)
			h->state = TS_UP;
	} else {
		h->ok_run = 0;
		if (h->fail_run < fall)
			h->fail_run++;
		if (h->fail_run >= fall)
			h->state = TS_DOWN;
	}
	return h->state != old;
}
