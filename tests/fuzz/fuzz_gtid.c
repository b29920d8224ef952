/*
 * Fuzz target: GTID sets (lib/gtid.c), MariaDB and MySQL notations.
 *
 * The input is "A" or "A|B" ('|' belongs to neither notation). Each text
 * is parsed as every flavour; each set that parses is checked alone
 * (format -> parse -> format is stable and equal as a set, a set is a
 * subset of itself, its difference with itself and with the empty set),
 * and the pair A, B parsed with detection is checked together (difference
 * within A, subset versus difference, union/merge containing both, the
 * text convenience agreeing with the set functions).
 */
#include <errno.h>

#include "geoha/gtid.h"
#include "geoha/util.h"

#include "fuzz.h"

typedef struct geoha_gtid_set gset;

static char *
format(const gset *s)
{
    char *out = NULL;

    FUZZ_CHECK(geoha_gtid_set_format(s, &out) == 0 && out != NULL);
    return out;
}

static bool
subset(const gset *a, const gset *b)
{
    bool r = false;

    FUZZ_CHECK(geoha_gtid_set_subset(a, b, &r) == 0);
    return r;
}

static bool
reached(const gset *pos, const gset *target)
{
    bool r = false;

    FUZZ_CHECK(geoha_gtid_pos_reached(pos, target, &r) == 0);
    return r;
}

static uint64_t
count(const gset *s)
{
    uint64_t n = 0;

    FUZZ_CHECK(geoha_gtid_set_count(s, &n) == 0);
    FUZZ_CHECK((n == 0) == geoha_gtid_set_is_empty(s));
    return n;
}

static gset *
difference(const gset *a, const gset *b)
{
    gset *d = NULL;

    FUZZ_CHECK(geoha_gtid_set_difference(a, b, &d) == 0 && d != NULL);
    return d;
}

static gset *
merge(const gset *a, const gset *b)
{
    gset *m = NULL;

    FUZZ_CHECK(geoha_gtid_pos_merge(a, b, &m) == 0 && m != NULL);
    return m;
}

static bool
same_text(const gset *a, const gset *b)
{
    char *x = format(a), *y = format(b);
    bool same = strcmp(x, y) == 0;

    free(x);
    free(y);
    return same;
}

static void
check_one(const gset *s, enum geoha_gtid_flavour asked)
{
    enum geoha_gtid_flavour f = geoha_gtid_set_flavour(s);
    gset *again = NULL, *empty = NULL, *d = NULL, *m = NULL;
    char *text = format(s), *text2 = NULL;
    int rc;

    FUZZ_CHECK(asked == GEOHA_GTID_ANY || f == asked);
    /* the canonical text parses back into an equal set */
    rc = geoha_gtid_set_parse(text, text[0] != '\0' ? f : GEOHA_GTID_ANY,
                              &again);
    if (rc != 0) {
        fprintf(stderr, "canonical text does not parse (%d): '%s'\n", rc, text);
    }
    FUZZ_CHECK(rc == 0);
    text2 = format(again);
    if (strcmp(text, text2) != 0) {
        fprintf(stderr, "format not stable: '%s' -> '%s'\n", text, text2);
    }
    FUZZ_CHECK(strcmp(text, text2) == 0);
    FUZZ_CHECK(subset(s, again) && subset(again, s));
    FUZZ_CHECK(count(s) == count(again));

    FUZZ_CHECK(subset(s, s));
    FUZZ_CHECK(reached(s, s));
    d = difference(s, s);
    FUZZ_CHECK(geoha_gtid_set_is_empty(d));
    geoha_gtid_set_free(d);

    FUZZ_CHECK(geoha_gtid_set_parse("", GEOHA_GTID_ANY, &empty) == 0);
    FUZZ_CHECK(subset(empty, s));
    FUZZ_CHECK(subset(s, empty) == geoha_gtid_set_is_empty(s));
    FUZZ_CHECK(reached(s, empty));
    d = difference(s, empty);
    FUZZ_CHECK(same_text(d, s));
    geoha_gtid_set_free(d);
    d = difference(empty, s);
    FUZZ_CHECK(geoha_gtid_set_is_empty(d));
    geoha_gtid_set_free(d);

    m = merge(s, s);
    FUZZ_CHECK(reached(m, s));
    if (f == GEOHA_GTID_MYSQL) {
        FUZZ_CHECK(same_text(m, s));
    }
    geoha_gtid_set_free(m);
    m = merge(s, empty);
    FUZZ_CHECK(reached(m, s));
    geoha_gtid_set_free(m);

    geoha_gtid_set_free(empty);
    geoha_gtid_set_free(again);
    free(text);
    free(text2);
}

static void
check_pair(const gset *a, const gset *b)
{
    enum geoha_gtid_flavour fa = geoha_gtid_set_flavour(a);
    enum geoha_gtid_flavour fb = geoha_gtid_set_flavour(b);
    enum geoha_gtid_flavour f = fa != GEOHA_GTID_ANY ? fa : fb;
    gset *d = NULL, *m = NULL, *dd = NULL, *md = NULL;
    uint64_t na, nb, nd, nm;
    bool r;

    if (fa != GEOHA_GTID_ANY && fb != GEOHA_GTID_ANY && fa != fb) {
        /* different notations cannot be compared */
        FUZZ_CHECK(geoha_gtid_set_subset(a, b, &r) == -EINVAL);
        FUZZ_CHECK(geoha_gtid_set_difference(a, b, &d) == -EINVAL);
        FUZZ_CHECK(geoha_gtid_pos_reached(a, b, &r) == -EINVAL);
        FUZZ_CHECK(geoha_gtid_pos_merge(a, b, &m) == -EINVAL);
        FUZZ_CHECK(d == NULL && m == NULL);
        return;
    }
    na = count(a);
    nb = count(b);
    d = difference(a, b);
    nd = count(d);
    /* the difference is part of a */
    FUZZ_CHECK(subset(d, a));
    FUZZ_CHECK(nd <= na);
    if (subset(a, b)) {
        FUZZ_CHECK(geoha_gtid_set_is_empty(d));
        FUZZ_CHECK(reached(b, a));
    }
    m = merge(a, b);
    FUZZ_CHECK(reached(m, a) && reached(m, b));
    if (f == GEOHA_GTID_MYSQL) {
        /* plain set algebra */
        FUZZ_CHECK(subset(a, b) == geoha_gtid_set_is_empty(d));
        FUZZ_CHECK(reached(b, a) == subset(a, b));
        FUZZ_CHECK(geoha_gtid_set_is_empty(d) || !subset(d, b));
        dd = difference(d, b);
        FUZZ_CHECK(same_text(dd, d));
        FUZZ_CHECK(subset(a, m) && subset(b, m));
        nm = count(m);
        if (na != UINT64_MAX && nb != UINT64_MAX && nm != UINT64_MAX) {
            /* |a u b| = |a \ b| + |b| */
            FUZZ_CHECK(nm == nd + nb);
        }
        md = difference(m, a);
        FUZZ_CHECK(subset(md, b));
    }
    geoha_gtid_set_free(d);
    geoha_gtid_set_free(m);
    geoha_gtid_set_free(dd);
    geoha_gtid_set_free(md);
}

static gset *
parse_all(const char *text)
{
    static const enum geoha_gtid_flavour flavours[] = {
        GEOHA_GTID_MARIADB,
        GEOHA_GTID_MYSQL,
        GEOHA_GTID_ANY,
    };
    gset *any = NULL;

    for (size_t i = 0; i < sizeof(flavours) / sizeof(flavours[0]); i++) {
        gset *s = NULL;
        int rc = geoha_gtid_set_parse(text, flavours[i], &s);

        if (rc != 0) {
            FUZZ_CHECK(rc == GEOHA_E_PARSE || rc == GEOHA_E_TOOBIG);
            FUZZ_CHECK(s == NULL);
            continue;
        }
        check_one(s, flavours[i]);
        if (flavours[i] == GEOHA_GTID_ANY) {
            any = s;
        } else {
            geoha_gtid_set_free(s);
        }
    }
    return any;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    char *field[2];
    size_t n = fuzz_split(s, '|', field, 2);
    gset *a = parse_all(field[0]);
    gset *b = n > 1 ? parse_all(field[1]) : NULL;

    if (a != NULL && b != NULL) {
        bool r1 = false, r2 = false;
        int rc = geoha_gtid_text_subset(field[0], field[1], &r1);

        check_pair(a, b);
        check_pair(b, a);
        if (geoha_gtid_set_subset(a, b, &r2) == 0) {
            FUZZ_CHECK(rc == 0 && r1 == r2);
        } else {
            FUZZ_CHECK(rc == -EINVAL);
        }
    }
    geoha_gtid_set_free(a);
    geoha_gtid_set_free(b);
    free(s);
    return 0;
}
