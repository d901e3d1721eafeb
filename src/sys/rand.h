/* Unpredictable values from the kernel (getrandom), for ISNs and ports. */
#ifndef SYNSCOPE_SYS_RAND_H
#define SYNSCOPE_SYS_RAND_H

#include <stddef.h>

/* Fill BUF with LEN random bytes; 0 or -1 (logged). */
int rand_bytes(void *buf, size_t len);

#endif
