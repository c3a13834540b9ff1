/* SPDX-License-Identifier: MIT */
#include "partition.h"

#include <errno.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MBR_SIGNATURE_OFFSET 510
#define MBR_TABLE_OFFSET 446
#define MBR_ENTRIES 4
#define MBR_TYPE_GPT 0xEE
#define EBR_CHAIN_MAX 128     /* logical partitions followed before giving up on a loop */
#define GPT_ENTRIES_MAX 1024  /* more than any partitioner makes */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static bool is_extended(uint8_t type) { return type == 0x05 || type == 0x0F || type == 0x85; }

/* start..start+count sectors must lie on the disk; *out gets them in bytes. */
static int to_bytes(uint64_t start, uint64_t count, unsigned sector, uint64_t disk_size, struct lsl_partition *out,
		    unsigned number, struct lsl_err *e)
{
	if (count == 0 || start > UINT64_MAX / sector || count > UINT64_MAX / sector ||
	    start * sector > disk_size || count * sector > disk_size - start * sector)
		return lsl_err_setf(e, EINVAL, "partition %u lies outside the disk", number);
	out->offset = start * sector;
	out->size = count * sector;
	return 0;
}

static int find_gpt(lsl_read_at_fn read_at, void *ctx, uint64_t disk_size, unsigned sector, unsigned number,
		    struct lsl_partition *out, struct lsl_err *e)
{
	uint8_t hdr[92], ent[128];
	uint64_t entries_lba;
	uint32_t count, size;
	int r;

	r = read_at(ctx, sector, hdr, sizeof(hdr));
	if (r < 0)
		return lsl_err_set(e, r, "reading the partition table");
	if (memcmp(hdr, "EFI PART", 8) != 0)
		return lsl_err_setf(e, EINVAL, "the disk has a protective MBR but no GPT header");
	entries_lba = le64(hdr + 72);
	count = le32(hdr + 80);
	size = le32(hdr + 84);
	if (size < 128 || size > 4096 || size % 8 || count > GPT_ENTRIES_MAX || entries_lba < 2 ||
	    entries_lba > disk_size / sector)
		return lsl_err_setf(e, EINVAL, "the disk's GPT header is malformed");
	if (number > count)
		return -ENOENT;
	r = read_at(ctx, entries_lba * sector + (uint64_t)(number - 1) * size, ent, sizeof(ent));
	if (r < 0)
		return lsl_err_set(e, r, "reading the partition table");
	static const uint8_t unused[16];
	if (memcmp(ent, unused, 16) == 0)
		return -ENOENT;
	uint64_t first = le64(ent + 32), last = le64(ent + 40);
	if (last < first)
		return lsl_err_setf(e, EINVAL, "partition %u ends before it starts", number);
	return to_bytes(first, last - first + 1, sector, disk_size, out, number, e);
}

/* Logical partition number (5..) in the extended partition starting at ext_start sectors. */
static int find_logical(lsl_read_at_fn read_at, void *ctx, uint64_t disk_size, unsigned sector, uint64_t ext_start,
			unsigned number, struct lsl_partition *out, struct lsl_err *e)
{
	uint64_t ebr = ext_start;
	unsigned n = 5;

	for (int hops = 0; hops < EBR_CHAIN_MAX; hops++) {
		uint8_t b[512];
		int r;

		if (ebr > disk_size / sector)
			return lsl_err_setf(e, EINVAL, "a logical partition's table lies outside the disk");
		r = read_at(ctx, ebr * sector, b, sizeof(b));
		if (r < 0)
			return lsl_err_set(e, r, "reading the partition table");
		if (b[MBR_SIGNATURE_OFFSET] != 0x55 || b[MBR_SIGNATURE_OFFSET + 1] != 0xAA)
			return -ENOENT;
		const uint8_t *first = b + MBR_TABLE_OFFSET, *link = first + 16;
		if (first[4] && le32(first + 12)) {
			if (n == number)
				return to_bytes(ebr + le32(first + 8), le32(first + 12), sector, disk_size, out, number, e);
			n++;
		}
		if (!is_extended(link[4]) || !le32(link + 8))
			return -ENOENT;
		ebr = ext_start + le32(link + 8);
	}
	return lsl_err_setf(e, EINVAL, "the chain of logical partitions does not end");
}

int lsl_partition_find(lsl_read_at_fn read_at, void *ctx, uint64_t disk_size, unsigned sector, unsigned number,
		       struct lsl_partition *out, struct lsl_err *e)
{
	uint8_t mbr[512];
	int r;

	if (number == 0 || number > LSL_PARTITION_MAX || (sector != 512 && sector != 4096))
		return lsl_err_setf(e, EINVAL, "invalid partition number %u", number);
	if (disk_size < 2 * (uint64_t)sector)
		return -ENOENT;
	r = read_at(ctx, 0, mbr, sizeof(mbr));
	if (r < 0)
		return lsl_err_set(e, r, "reading the partition table");
	if (mbr[MBR_SIGNATURE_OFFSET] != 0x55 || mbr[MBR_SIGNATURE_OFFSET + 1] != 0xAA)
		return -ENOENT;
	for (int k = 0; k < MBR_ENTRIES; k++)
		if (mbr[MBR_TABLE_OFFSET + 16 * k + 4] == MBR_TYPE_GPT)
			return find_gpt(read_at, ctx, disk_size, sector, number, out, e);
	if (number <= MBR_ENTRIES) {
		const uint8_t *p = mbr + MBR_TABLE_OFFSET + 16 * (number - 1);
		if (!p[4] || !le32(p + 12) || is_extended(p[4]))
			return -ENOENT;
		return to_bytes(le32(p + 8), le32(p + 12), sector, disk_size, out, number, e);
	}
	for (int k = 0; k < MBR_ENTRIES; k++) {
		const uint8_t *p = mbr + MBR_TABLE_OFFSET + 16 * k;
		if (is_extended(p[4]))
			return find_logical(read_at, ctx, disk_size, sector, le32(p + 8), number, out, e);
	}
	return -ENOENT;
}

static int read_fd_at(void *ctx, uint64_t off, void *buf, size_t n)
{
	ssize_t got = RETRY_EINTR(pread(*(int *)ctx, buf, n, (off_t)off));

	if (got < 0)
		return negative_errno();
	return (size_t)got == n ? 0 : -EIO;
}

int lsl_partition_find_fd(int fd, unsigned number, struct lsl_partition *out, struct lsl_err *e)
{
	uint64_t size = 0;
	unsigned sector = 512;
	struct stat st;
	int ssz;

	if (fstat(fd, &st) < 0)
		return lsl_err_set(e, errno, "reading the disk");
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			return lsl_err_set(e, errno, "reading the disk's size");
		if (ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz == 4096)
			sector = 4096;
	} else {
		size = (uint64_t)st.st_size;
	}
	return lsl_partition_find(read_fd_at, &fd, size, sector, number, out, e);
}
