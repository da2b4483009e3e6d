/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef OUTPUT_H
#define OUTPUT_H
#endif
