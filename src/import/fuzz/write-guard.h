/* SPDX-License-Identifier: MIT */
/*
 * A guard on every call that writes to the file system, for the import
 * fuzzer: while armed, a call from libarchive's writer or from lsl's own
 * extraction code that would create, change or remove anything outside the
 * scratch directory (after resolving every symbolic link on the way), open
 * a device or FIFO for writing, or run a program aborts the process before
 * the call is made. The guard works by defining the C library's functions
 * in the fuzzer itself, which the dynamic linker prefers for libarchive too.
 */
#pragma once

/* Arm the guard for the directory `root` (absolute, no symlinks in it). */
void write_guard_arm(const char *root);
void write_guard_disarm(void);
