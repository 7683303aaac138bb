/* ftpd_test_capr.c - ftpd_test built with -DUSE_CAPR: the same daemon,
 * modified to call capr_enter("auth") (libcapr) before it leaves root.
 * tests/runtime/triggers.sh checks it ends up exactly as the unmodified
 * daemon does under the preload object. */
#define USE_CAPR 1
#include "ftpd_test.c"
