/* capr_crc32.c - the blob checksum (CRC-32, IEEE 802.3 / zlib).
 *
 * Shared by the compiler (which writes it) and the runtime (which checks it
 * before trusting any other field). It detects corruption and truncation;
 * it is not a signature: whoever can write the blob can recompute it.
 * Bitwise, no table: blobs are small and this keeps the runtime tiny.
 */
#include "capbin.h"

uint32_t capbin_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
