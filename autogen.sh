#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Generate configure and Makefile.in; the generated files are not committed.
exec autoreconf -fi "$(dirname "$0")"
