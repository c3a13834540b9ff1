/* SPDX-License-Identifier: MIT */
/* Partition tables read by lsl: MBR (primary and logical) and GPT, and hostile ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "partition.h"

#define DISK_SIZE (64u << 20)

struct disk {
	uint8_t *data;
	size_t size;
};

static int read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
	struct disk *d = ctx;

	if (off > d->size || n > d->size - off)
		return -EIO;
	memcpy(buf, d->data + off, n);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void mbr_entry(uint8_t *sector, int k, uint8_t type, uint32_t start, uint32_t count)
{
	uint8_t *p = sector + 446 + 16 * k;
	p[4] = type;
	put32(p + 8, start);
	put32(p + 12, count);
	sector[510] = 0x55;
	sector[511] = 0xAA;
}

static struct disk *new_disk(void)
{
	struct disk *d = calloc(1, sizeof(*d));
	d->size = DISK_SIZE;
	d->data = calloc(1, d->size);
	return d;
}

static void free_disk(struct disk *d)
{
	free(d->data);
	free(d);
}

static int find(struct disk *d, unsigned n, struct lsl_partition *p)
{
	struct lsl_err e = { 0 };
	return lsl_partition_find(read_at, d, d->size, 512, n, p, &e);
}

static void test_no_table(void **state)
{
	struct disk *d = new_disk();
	struct lsl_partition p;

	assert_int_equal(find(d, 1, &p), -ENOENT);
	free_disk(d);
}

static void test_mbr_primary_and_logical(void **state)
{
	struct disk *d = new_disk();
	struct lsl_partition p;

	mbr_entry(d->data, 0, 0x83, 2048, 4096);
	mbr_entry(d->data, 1, 0x05, 8192, 40960); /* extended */
	/* Two logical partitions: EBR at 8192 (partition at +2048), linking to the EBR at 8192+20480. */
	mbr_entry(d->data + 8192 * 512, 0, 0x83, 2048, 1024);
	mbr_entry(d->data + 8192 * 512, 1, 0x05, 20480, 20480);
	mbr_entry(d->data + (8192 + 20480) * 512, 0, 0x83, 2048, 2048);

	assert_int_equal(find(d, 1, &p), 0);
	assert_int_equal(p.offset, 2048 * 512);
	assert_int_equal(p.size, 4096 * 512);
	/* The extended partition itself and empty slots are not partitions to mount. */
	assert_int_equal(find(d, 2, &p), -ENOENT);
	assert_int_equal(find(d, 3, &p), -ENOENT);
	assert_int_equal(find(d, 5, &p), 0);
	assert_int_equal(p.offset, (uint64_t)(8192 + 2048) * 512);
	assert_int_equal(p.size, 1024 * 512);
	assert_int_equal(find(d, 6, &p), 0);
	assert_int_equal(p.offset, (uint64_t)(8192 + 20480 + 2048) * 512);
	assert_int_equal(find(d, 7, &p), -ENOENT);
	assert_int_equal(find(d, 0, &p), -EINVAL);
	free_disk(d);
}

static void test_mbr_outside_disk(void **state)
{
	struct disk *d = new_disk();
	struct lsl_partition p;
	struct lsl_err e = { 0 };

	mbr_entry(d->data, 0, 0x83, 2048, 0xFFFFFFF0u);
	assert_int_equal(lsl_partition_find(read_at, d, d->size, 512, 1, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "outside the disk"));
	free_disk(d);
}

static void test_ebr_loop(void **state)
{
	struct disk *d = new_disk();
	struct lsl_partition p;

	mbr_entry(d->data, 0, 0x05, 100, 1000);
	/* An EBR whose link points back at itself: refused, not followed for ever. */
	mbr_entry(d->data + 100 * 512, 1, 0x05, 0 + 1, 10);
	mbr_entry(d->data + 101 * 512, 1, 0x05, 1, 10);
	assert_int_equal(find(d, 9, &p), -EINVAL);
	free_disk(d);
}

static void test_gpt(void **state)
{
	struct disk *d = new_disk();
	struct lsl_partition p;
	uint8_t *hdr = d->data + 512, *ent = d->data + 2 * 512;

	mbr_entry(d->data, 0, 0xEE, 1, 0xFFFFFFFFu);
	memcpy(hdr, "EFI PART", 8);
	put64(hdr + 72, 2);   /* entries at LBA 2 */
	put32(hdr + 80, 128); /* entries */
	put32(hdr + 84, 128); /* entry size */
	/* Entry 1: used; entry 2: unused; entry 3: used. */
	memset(ent, 0xAB, 16);
	put64(ent + 32, 2048);
	put64(ent + 40, 4095);
	memset(ent + 256, 0xCD, 16);
	put64(ent + 256 + 32, 8192);
	put64(ent + 256 + 40, 8192 + 99);

	assert_int_equal(find(d, 1, &p), 0);
	assert_int_equal(p.offset, 2048 * 512);
	assert_int_equal(p.size, 2048 * 512);
	assert_int_equal(find(d, 2, &p), -ENOENT);
	assert_int_equal(find(d, 3, &p), 0);
	assert_int_equal(p.size, 100 * 512);
	assert_int_equal(find(d, 129, &p), -ENOENT);

	/* Corrupt: an entry ending before it starts; an absurd entry size. */
	put64(ent + 40, 10);
	assert_int_equal(find(d, 1, &p), -EINVAL);
	put32(hdr + 84, 7);
	assert_int_equal(find(d, 3, &p), -EINVAL);
	memcpy(hdr, "NOT GPT!", 8);
	assert_int_equal(find(d, 1, &p), -EINVAL);
	free_disk(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_table),
		cmocka_unit_test(test_mbr_primary_and_logical),
		cmocka_unit_test(test_mbr_outside_disk),
		cmocka_unit_test(test_ebr_loop),
		cmocka_unit_test(test_gpt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
