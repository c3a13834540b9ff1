/* SPDX-License-Identifier: MIT */
/* Scratch directory trees for tests of code that reads a distribution's files. */
#pragma once

/* A new empty directory under $TMPDIR or /tmp; returns its path (allocated). */
char *test_mkdtemp(void);
/* Write text to <dir>/<rel>, creating parent directories. */
void test_write(const char *dir, const char *rel, const char *text, int mode);
/* Make <dir>/<rel> a symlink to target, creating parent directories. */
void test_symlink(const char *dir, const char *rel, const char *target);
/* Open dir as a directory fd. */
int test_open_dir(const char *dir);
/* rm -rf dir and free the path. */
void test_rmtree(char *dir);
