/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash, fast on short
 * inputs, whose output cannot be predicted without the key.  The checker
 * engine derives source ports and ISNs from it, so a reply proves it
 * answers one of our SYNs before anything is looked up. */
#ifndef SYNSCOPE_SYS_SIPHASH_H
#define SYNSCOPE_SYS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEYLEN 16

uint64_t siphash24(const uint8_t key[SIPHASH_KEYLEN], const void *data, size_t len);

#endif
