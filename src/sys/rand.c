#include <errno.h>
#include <sys/random.h>

#include "sys/log.h"
#include "sys/rand.h"

int rand_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("getrandom");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
