/* libFuzzer harness: the frame decoder on every link type and checksum mode. */
#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pkt_link links[] = { PKT_LINK_EN10MB, PKT_LINK_RAW, PKT_LINK_SLL,
	                                       PKT_LINK_SLL2 };
	struct pkt_frame f;

	if (size < 1)
		return 0;
	/* first byte picks link type and checksum mode */
	enum pkt_link link = links[data[0] & 3];
	enum pkt_csum_mode cs = (enum pkt_csum_mode)((data[0] >> 2) % 3);
	pkt_decode(link, data + 1, size - 1, cs, &f);
	return 0;
}
