/*
 * geoha fuzzing: helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput() and checks the
 * contract of the functions it feeds: a broken invariant is reported with
 * FUZZ_CHECK(), which aborts, so libFuzzer keeps the input as a crash.
 */
#ifndef GEOHA_FUZZ_H
#define GEOHA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

#define FUZZ_MAX_FIELDS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated heap copy of the input (an inner NUL ends the string). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL) {
        abort();
    }
    if (size > 0) {
        memcpy(s, data, size);
    }
    s[size] = '\0';
    return s;
}

/*
 * Split s in place at sep into at most max fields (the last one keeps the
 * rest, separators included). Returns the number of fields (>= 1).
 */
static inline size_t
fuzz_split(char *s, char sep, char **field, size_t max)
{
    size_t n = 0;

    field[n++] = s;
    while (n < max) {
        char *p = strchr(field[n - 1], sep);

        if (p == NULL) {
            break;
        }
        *p = '\0';
        field[n++] = p + 1;
    }
    return n;
}

/* Whether s holds only printable ASCII (no controls, no 8-bit bytes). */
static inline int
fuzz_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* Whether s is one line: no control characters (8-bit bytes allowed). */
static inline int
fuzz_one_line(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
            return 0;
        }
    }
    return 1;
}

#endif /* GEOHA_FUZZ_H */
