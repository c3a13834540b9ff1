/* SPDX-License-Identifier: MIT */
/* The archive's bytes: raw ones pass through, gzip is decompressed and its checksums verified. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "input.h"

struct buf {
	unsigned char *p;
	size_t n;
};

static struct buf pattern(size_t n)
{
	struct buf b = { malloc(n), n };
	uint32_t x = 12345;

	assert_non_null(b.p);
	/* Half text-like (compressible), half noise (stored blocks). */
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		b.p[i] = i < n / 2 ? (unsigned char)('a' + (i / 7) % 26) : (unsigned char)(x >> 16);
	}
	return b;
}

static struct buf gzip_of(const unsigned char *p, size_t n, int level)
{
	z_stream z = { 0 };
	struct buf out = { malloc(n + n / 100 + 1024), 0 };

	assert_non_null(out.p);
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = out.p;
	z.avail_out = (uInt)(n + n / 100 + 1024);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.n = z.total_out;
	deflateEnd(&z);
	return out;
}

static void append(struct buf *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n);
	assert_non_null(b->p);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* A file holding `data`, opened for reading at its start. */
static int file_with(const struct buf *data)
{
	char path[] = "/tmp/lsl-test-input-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data->p, data->n), (ssize_t)data->n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Read everything; returns 0 and the data, or the negative errno of the failure. */
static ssize_t read_all(int fd, struct buf *out, struct import_input *in)
{
	*out = (struct buf){ NULL, 0 };
	assert_int_equal(import_input_init(in, fd), 0);
	for (;;) {
		const void *p;
		ssize_t n = import_input_read(in, &p);
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		append(out, p, (size_t)n);
	}
}

static void assert_same(const struct buf *a, const struct buf *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->p, b->p, a->n);
}

static void test_raw_passes_through(void **state)
{
	struct buf data = pattern(3 * IMPORT_INPUT_BLOCK + 17), got;
	struct import_input in;
	int fd = file_with(&data);

	assert_int_equal(read_all(fd, &got, &in), 0);
	assert_same(&data, &got);
	assert_false(in.gzip);
	assert_int_equal(in.consumed, data.n);
	import_input_free(&in);
	close(fd);
	free(data.p);
	free(got.p);
}

static void test_empty_and_one_byte(void **state)
{
	struct buf empty = { NULL, 0 }, one = { (unsigned char *)"\x1f", 1 }, got;
	struct import_input in;
	int fd = file_with(&empty);

	assert_int_equal(read_all(fd, &got, &in), 0);
	assert_int_equal(got.n, 0);
	import_input_free(&in);
	close(fd);

	/* Half of gzip's magic is just a byte. */
	fd = file_with(&one);
	assert_int_equal(read_all(fd, &got, &in), 0);
	assert_int_equal(got.n, 1);
	assert_false(in.gzip);
	import_input_free(&in);
	close(fd);
	free(got.p);
}

static void test_gzip_decompressed(void **state)
{
	struct buf data = pattern(5 * IMPORT_INPUT_BLOCK + 3), got;
	struct buf gz = gzip_of(data.p, data.n, 6);
	struct import_input in;
	int fd = file_with(&gz);

	assert_int_equal(read_all(fd, &got, &in), 0);
	assert_true(in.gzip);
	assert_same(&data, &got);
	assert_int_equal(in.consumed, gz.n);
	import_input_free(&in);
	close(fd);
	free(data.p);
	free(gz.p);
	free(got.p);
}

static void test_gzip_members_and_trailing_bytes(void **state)
{
	struct buf a = pattern(100000), b = pattern(70000), got;
	struct buf gz = gzip_of(a.p, a.n, 9), gz2 = gzip_of(b.p, b.n, 1), want = { NULL, 0 };
	struct import_input in;
	static const unsigned char zeros[1000];
	int fd;

	/* Two members (pigz, cat a.gz b.gz) are one stream; zeros after them are padding. */
	append(&gz, gz2.p, gz2.n);
	append(&gz, zeros, sizeof(zeros));
	append(&want, a.p, a.n);
	append(&want, b.p, b.n);
	fd = file_with(&gz);
	assert_int_equal(read_all(fd, &got, &in), 0);
	assert_same(&want, &got);
	import_input_free(&in);
	close(fd);
	free(got.p);

	/* Other bytes after the last member are ignored too, as gzip -d does. */
	append(&gz, "garbage", 7);
	fd = file_with(&gz);
	assert_int_equal(read_all(fd, &got, &in), 0);
	assert_same(&want, &got);
	import_input_free(&in);
	close(fd);
	free(got.p);
	free(a.p);
	free(b.p);
	free(gz.p);
	free(gz2.p);
	free(want.p);
}

static void expect_corrupt(struct buf *gz, const char *why_part)
{
	struct import_input in;
	struct buf got;
	int fd = file_with(gz);

	assert_int_equal(read_all(fd, &got, &in), -EBADMSG);
	if (!strstr(in.why, why_part))
		fail_msg("reason '%s' lacks '%s'", in.why, why_part);
	/* Once failed, it stays at the end. */
	const void *p;
	assert_int_equal(import_input_read(&in, &p), 0);
	import_input_free(&in);
	close(fd);
	free(got.p);
}

static void test_gzip_bad_crc_detected(void **state)
{
	struct buf data = pattern(200000);
	struct buf gz = gzip_of(data.p, data.n, 0); /* stored blocks: the data is there verbatim */

	/* A flipped byte in stored data decodes fine: only the CRC-32 tells. */
	gz.p[gz.n / 2] ^= 0x5a;
	expect_corrupt(&gz, "incorrect data check");
	gz.p[gz.n / 2] ^= 0x5a;
	/* The length in the trailer. */
	gz.p[gz.n - 1] ^= 1;
	expect_corrupt(&gz, "incorrect length check");
	free(data.p);
	free(gz.p);
}

static void test_gzip_bad_data_detected(void **state)
{
	struct buf data = pattern(200000);
	struct buf gz = gzip_of(data.p, data.n, 9);

	for (size_t i = 100; i < 4196 && i < gz.n; i++)
		gz.p[i] ^= 0x5a;
	expect_corrupt(&gz, "corrupt gzip data");
	free(data.p);
	free(gz.p);
}

static void test_gzip_truncated(void **state)
{
	struct buf data = pattern(300000);
	struct buf gz = gzip_of(data.p, data.n, 6);

	gz.n /= 2;
	expect_corrupt(&gz, "truncated gzip input");
	/* Cut inside the 8-byte trailer. */
	struct buf gz2 = gzip_of(data.p, data.n, 6);
	gz2.n -= 3;
	expect_corrupt(&gz2, "truncated gzip input");
	free(data.p);
	free(gz.p);
	free(gz2.p);
}

static void test_small_reads(void **state)
{
	/* SOCK_SEQPACKET: every read returns exactly one packet, however small. */
	struct buf data = pattern(50000), got;
	struct buf gz = gzip_of(data.p, data.n, 6);
	struct import_input in;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[1], gz.p, 1), 1); /* half the magic */
	size_t off = 1;
	while (off < gz.n) {
		size_t k = gz.n - off < 997 ? gz.n - off : 997;
		assert_int_equal(write(sv[1], gz.p + off, k), (ssize_t)k);
		off += k;
	}
	close(sv[1]);
	assert_int_equal(read_all(sv[0], &got, &in), 0);
	assert_true(in.gzip);
	assert_same(&data, &got);
	import_input_free(&in);
	close(sv[0]);
	free(data.p);
	free(gz.p);
	free(got.p);
}

static void test_read_error(void **state)
{
	struct import_input in;
	const void *p;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_int_equal(import_input_init(&in, fd), 0);
	assert_int_equal(import_input_read(&in, &p), -EISDIR);
	assert_non_null(strstr(in.why, "Is a directory"));
	import_input_free(&in);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_passes_through),
		cmocka_unit_test(test_empty_and_one_byte),
		cmocka_unit_test(test_gzip_decompressed),
		cmocka_unit_test(test_gzip_members_and_trailing_bytes),
		cmocka_unit_test(test_gzip_bad_crc_detected),
		cmocka_unit_test(test_gzip_bad_data_detected),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_small_reads),
		cmocka_unit_test(test_read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
