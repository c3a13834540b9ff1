/* SPDX-License-Identifier: MIT */
#include "disk-image.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

bool lsl_ext4_superblock_valid(const void *sb, size_t len)
{
	const uint8_t *p = sb;

	if (len < LSL_EXT4_MAGIC_OFFSET + 2)
		return false;
	return (uint16_t)(p[LSL_EXT4_MAGIC_OFFSET] | p[LSL_EXT4_MAGIC_OFFSET + 1] << 8) == LSL_EXT4_MAGIC;
}

int lsl_ext4_check(int fd, const char *shown, struct lsl_err *e)
{
	uint8_t sb[LSL_EXT4_MAGIC_OFFSET + 2];
	ssize_t n = RETRY_EINTR(pread(fd, sb, sizeof(sb), LSL_EXT4_SUPERBLOCK_OFFSET));

	if (n < 0)
		return lsl_err_set(e, errno, "reading %s", shown);
	if (!lsl_ext4_superblock_valid(sb, (size_t)n))
		return lsl_err_setf(e, EINVAL, "%s is not an ext4 filesystem image", shown);
	return 0;
}

int lsl_size_parse(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTP";
	uint64_t whole = 0, frac = 0, frac_div = 1, mult = 1;
	const char *p = s, *u;
	bool digits = false;

	if (!s)
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
		digits = true;
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++) {
			digits = true;
			/* Beyond nine decimals nothing a disk size needs changes. */
			if (frac_div < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
		}
	}
	if (!digits)
		return -EINVAL;
	if (*p && (u = strchr(units, toupper((unsigned char)*p)))) {
		mult = UINT64_C(1) << (10 * (unsigned)(u - units + 1));
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
	} else if (*p == 'B' || *p == 'b') {
		p++;
	}
	if (*p)
		return -EINVAL;
	if (whole > (UINT64_C(1) << 63) / mult)
		return -ERANGE;
	whole *= mult;
	/* The fraction of the unit, rounded down to a byte. */
	whole += (uint64_t)((unsigned __int128)frac * mult / frac_div);
	if (whole > (UINT64_C(1) << 63))
		return -ERANGE;
	if (whole == 0)
		return -EINVAL;
	*out = whole;
	return 0;
}

void lsl_size_format(uint64_t n, char *buf, size_t size)
{
	static const char *const names[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned k = 0;

	while (k + 1 < ARRAY_SIZE(names) && n >= (UINT64_C(1) << (10 * (k + 1))))
		k++;
	if (k == 0 || n % (UINT64_C(1) << (10 * k)) == 0)
		snprintf(buf, size, "%llu %s", (unsigned long long)(n >> (10 * k)), names[k]);
	else
		snprintf(buf, size, "%.1f %s", (double)n / (double)(UINT64_C(1) << (10 * k)), names[k]);
}

static const struct {
	const char *name;
	enum lsl_export_format format;
} format_names[] = {
	{ "tar", LSL_EXPORT_TAR },
	{ "tar.gz", LSL_EXPORT_TAR_GZ },
	{ "tar.xz", LSL_EXPORT_TAR_XZ },
	{ "tar.zst", LSL_EXPORT_TAR_ZST },
	{ "vhd", LSL_EXPORT_VHD },
};

int lsl_export_format_parse(const char *name, enum lsl_export_format *out)
{
	for (size_t k = 0; name && k < ARRAY_SIZE(format_names); k++)
		if (strcasecmp(name, format_names[k].name) == 0) {
			*out = format_names[k].format;
			return 0;
		}
	return -EINVAL;
}

const char *lsl_export_format_name(enum lsl_export_format f)
{
	for (size_t k = 0; k < ARRAY_SIZE(format_names); k++)
		if (format_names[k].format == f)
			return format_names[k].name;
	return "unknown";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

enum lsl_export_format lsl_export_format_from_name(const char *file)
{
	static const struct {
		const char *suffix;
		enum lsl_export_format format;
	} suffixes[] = {
		{ ".tar.gz", LSL_EXPORT_TAR_GZ },   { ".tgz", LSL_EXPORT_TAR_GZ },   { ".tar.xz", LSL_EXPORT_TAR_XZ },
		{ ".txz", LSL_EXPORT_TAR_XZ },      { ".tar.zst", LSL_EXPORT_TAR_ZST }, { ".tzst", LSL_EXPORT_TAR_ZST },
		{ ".tar.zstd", LSL_EXPORT_TAR_ZST }, { ".vhd", LSL_EXPORT_VHD },       { ".vhdx", LSL_EXPORT_VHD },
		{ ".img", LSL_EXPORT_VHD },         { ".ext4", LSL_EXPORT_VHD },
	};

	for (size_t k = 0; file && k < ARRAY_SIZE(suffixes); k++)
		if (ends_with(file, suffixes[k].suffix))
			return suffixes[k].format;
	return LSL_EXPORT_TAR;
}

static bool mount_name_char(char c) { return isalnum((unsigned char)c) || strchr("._+-", c); }

bool lsl_mount_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > LSL_MOUNT_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!mount_name_char(*p))
			return false;
	return true;
}

int lsl_mount_name_default(const char *disk, unsigned partition, char *buf, size_t size)
{
	const char *base, *end;
	char suffix[16] = "";
	size_t k = 0, room;

	if (!disk || size < 2)
		return -EINVAL;
	end = disk + strlen(disk);
	while (end > disk && end[-1] == '/')
		end--;
	base = end;
	while (base > disk && base[-1] != '/')
		base--;
	if (partition)
		snprintf(suffix, sizeof(suffix), "p%u", partition);
	room = size - 1 - strlen(suffix);
	if (room > LSL_MOUNT_NAME_MAX - strlen(suffix))
		room = LSL_MOUNT_NAME_MAX - strlen(suffix);
	/* Leading dots and dashes would make a hidden or option-like name. */
	while (base < end && (*base == '.' || *base == '-'))
		base++;
	for (; base < end && k < room; base++)
		buf[k++] = mount_name_char(*base) ? *base : '_';
	buf[k] = 0;
	if (k == 0)
		return -EINVAL;
	snprintf(buf + k, size - k, "%s", suffix);
	return lsl_mount_name_valid(buf) ? 0 : -EINVAL;
}
